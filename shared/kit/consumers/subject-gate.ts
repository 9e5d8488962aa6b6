import type { Step } from "./pipeline.ts";

/**
 * Keeps one aggregate's messages in stream order across `nak(delay)` (keyed by `orderingKey`:
 * the subject less the event type): once a message is put back to wait, later messages of its
 * aggregate wait too, until it is settled. Messages put back are remembered until
 * `dueAt + forgetAfterMs` (past that, another instance of the service took them). Kept in memory: after a restart the order of messages that were
 * waiting is the broker's redelivery order.
 */
export interface SubjectGate {
  /** How long `sequence` must wait for an earlier message of `subject`; undefined when it may go ahead. */
  waitFor(subject: string, sequence: number): number | undefined;
  /** `sequence` of `subject` was put back and comes back at about `dueAt`. */
  deferred(subject: string, sequence: number, dueAt: number): void;
  /** `sequence` of `subject` is settled for good (acked, skipped or dead-lettered). */
  settled(subject: string, sequence: number): void;
  /** Subjects with messages waiting, for tests and metrics. */
  readonly size: number;
}

/** Extra wait so a message comes back after the one it waits for, not just before. */
const MARGIN_MS = 50;

/** Creates an empty gate; `now` is the clock in milliseconds. */
export function createSubjectGate({
  forgetAfterMs,
  now = () => Date.now(),
}: {
  forgetAfterMs: number;
  now?: () => number;
}): SubjectGate {
  const waiting = new Map<string, Map<number, number>>();
  return {
    waitFor(subject, sequence) {
      const entries = waiting.get(subject);
      if (!entries) return undefined;
      const at = now();
      let due: number | undefined;
      for (const [earlier, dueAt] of entries) {
        if (dueAt + forgetAfterMs < at) entries.delete(earlier);
        else if (earlier < sequence) due = Math.max(due ?? 0, dueAt);
      }
      if (entries.size === 0) waiting.delete(subject);
      return due === undefined ? undefined : Math.max(due - at, 0) + MARGIN_MS;
    },
    deferred(subject, sequence, dueAt) {
      let entries = waiting.get(subject);
      if (!entries) {
        entries = new Map();
        waiting.set(subject, entries);
      }
      entries.set(sequence, dueAt);
    },
    settled(subject, sequence) {
      const entries = waiting.get(subject);
      if (!entries?.delete(sequence)) return;
      if (entries.size === 0) waiting.delete(subject);
    },
    get size() {
      return waiting.size;
    },
  };
}

/**
 * The step that keeps an aggregate's order: a message whose aggregate has an earlier message
 * waiting to be retried is put back (`subject.waiting`) to come back after it.
 */
export const keepSubjectOrder =
  (gate: SubjectGate): Step =>
  ({ message, key }) => {
    const delayMs = gate.waitFor(key, message.seq);
    if (delayMs === undefined) return undefined;
    return {
      kind: "defer",
      code: "subject.waiting",
      reason: `an earlier message of ${key} is waiting to be retried`,
      delayMs,
    };
  };
