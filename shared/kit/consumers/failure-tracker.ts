import type { Step } from "./pipeline.ts";

/** What a consumer remembers about a message that failed in this process. */
export interface FailureRecord {
  /** Failures counted here (the retry delay grows with it). */
  failures: number;
  /** When it first failed here: the retry horizon runs from this moment. */
  firstFailedAt: number;
  lastSeenAt: number;
  /** Set when its dead letter could not be stored: the next delivery goes straight to storing it. */
  owedDeadLetter?: { code: string; reason: string };
}

/**
 * Per stream sequence, the failures of messages that are being retried. Kept in memory:
 * after a restart a message starts a fresh retry horizon, which errs on the side of
 * retrying longer, never shorter. Records untouched for `forgetAfterMs` are dropped by
 * `sweep` (the message was handled by another instance of the service).
 */
export interface FailureTracker {
  /** Counts one more failure of `sequence` and returns its record. */
  fail(sequence: number): FailureRecord;
  get(sequence: number): FailureRecord | undefined;
  /** Records that `sequence`'s dead letter could not be stored, and what it was to say. */
  oweDeadLetter(sequence: number, letter: { code: string; reason: string }): FailureRecord;
  forget(sequence: number): void;
  sweep(): void;
  readonly size: number;
}

/** Creates an empty tracker; `now` is the clock in milliseconds. */
export function createFailureTracker({
  forgetAfterMs,
  now = () => Date.now(),
}: {
  forgetAfterMs: number;
  now?: () => number;
}): FailureTracker {
  const records = new Map<number, FailureRecord>();
  const touch = (sequence: number) => {
    const at = now();
    let record = records.get(sequence);
    if (!record) {
      record = { failures: 0, firstFailedAt: at, lastSeenAt: at };
      records.set(sequence, record);
    }
    record.lastSeenAt = at;
    return record;
  };
  return {
    fail(sequence) {
      const record = touch(sequence);
      record.failures += 1;
      return record;
    },
    get: (sequence) => records.get(sequence),
    oweDeadLetter(sequence, letter) {
      const record = touch(sequence);
      record.failures += 1;
      record.owedDeadLetter = letter;
      return record;
    },
    forget: (sequence) => void records.delete(sequence),
    sweep() {
      const cutoff = now() - forgetAfterMs;
      for (const [sequence, record] of records)
        if (record.lastSeenAt < cutoff) records.delete(sequence);
    },
    get size() {
      return records.size;
    },
  };
}

/** The step that sends a message whose dead letter could not be stored straight back to storing it. */
export const storeOwedDeadLetter =
  (failures: FailureTracker): Step =>
  ({ message }) => {
    const owed = failures.get(message.seq)?.owedDeadLetter;
    return owed ? { kind: "dead-letter", ...owed } : undefined;
  };
