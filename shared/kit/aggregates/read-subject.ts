import type { JetStreamManager } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/nats-core";

/** A stored message as read back for folding: what `decodeEvent` needs, plus its position. */
export interface StoredEvent {
  subject: string;
  seq: number;
  data: Uint8Array;
  headers: MsgHdrs;
  time: Date;
}

/** Messages asked for per direct-get request; the server streams them back in one reply burst. */
const BATCH = 256;
/** How long one batch may take before the read fails: a read never hangs on a lost broker. */
export const READ_TIMEOUT_MS = 5_000;

/** The server answers a direct get that matches nothing with status 404. */
export const isNoResults = (err: unknown) => (err as { code?: unknown } | undefined)?.code === 404;

/**
 * Reads every message stored on `subject` (an exact subject or a wildcard) after
 * `afterSequence`, in stream order, with batch direct get (server 2.11+, `allow_direct`):
 * one request per 256 messages and no consumer on the server, so reads leave no broker
 * state behind. `lastSequence` is the last one read, or `afterSequence` when there is none.
 * Rejects when the broker does not answer within READ_TIMEOUT_MS per batch.
 */
export async function readSubject(
  { jsm }: { jsm: JetStreamManager },
  stream: string,
  subject: string,
  afterSequence = 0,
): Promise<{ messages: StoredEvent[]; lastSequence: number }> {
  const messages: StoredEvent[] = [];
  let next = afterSequence + 1;
  for (;;) {
    let pending = 0;
    let read = 0;
    try {
      const batch = await jsm.direct.getBatch(stream, {
        seq: next,
        next_by_subj: subject,
        batch: BATCH,
      });
      await withDeadline(
        (async () => {
          for await (const m of batch) {
            messages.push({
              subject: m.subject,
              seq: m.seq,
              data: m.data,
              headers: m.header,
              time: m.time,
            });
            pending = m.pending;
            read += 1;
          }
        })(),
        () => batch.stop(),
        `reading ${subject} from ${stream}`,
      );
    } catch (err) {
      if (!isNoResults(err)) throw err;
    }
    if (read === 0 || pending <= 0) break;
    next = (messages.at(-1) as StoredEvent).seq + 1;
  }
  return { messages, lastSequence: messages.at(-1)?.seq ?? afterSequence };
}

/** Runs `work`, rejecting (after `cancel()`) when it takes longer than READ_TIMEOUT_MS. */
export async function withDeadline(
  work: Promise<void>,
  cancel: () => void,
  what: string,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cancel();
      reject(new Error(`timed out after ${READ_TIMEOUT_MS} ms ${what}`));
    }, READ_TIMEOUT_MS);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
