import type { JetStreamManager, StoredMsg } from "@nats-io/jetstream";
import { aggregateEvents } from "../events/event-subject.ts";
import { isNoResults, readSubject, type StoredEvent, withDeadline } from "./read-subject.ts";

/** More subjects than an aggregate has event types. */
const MAX_SUBJECTS = 1_024;

/**
 * Reads every event of one aggregate (its `<aggregate>.<type>` subjects) stored after
 * `afterSequence`, in stream order, leaving no state on the server.
 *
 * A batch direct get on the wildcard `<aggregate>.>` makes the server scan every message
 * stored after the aggregate's first event (measured: 20 ms with 200k messages behind it,
 * growing with the stream's history), while a literal subject or a `multi_last` request is
 * answered from its subject index. So: one `multi_last` request over `<aggregate>.>` says which
 * of the aggregate's subjects hold events and the last sequence of each (nothing, for a new
 * aggregate); then one literal read per subject with events after `afterSequence`, merged by
 * sequence, up to the last sequence the first request saw. `lastSequence` is that sequence, or
 * `afterSequence` when there is nothing after it.
 * Rejects when the broker does not answer within READ_TIMEOUT_MS.
 */
export async function readAggregate(
  nats: { jsm: JetStreamManager },
  stream: string,
  aggregate: string,
  afterSequence = 0,
): Promise<{ messages: StoredEvent[]; lastSequence: number }> {
  const changed = (await lastPerSubject(nats, stream, aggregateEvents(aggregate))).filter(
    (last) => last.seq > afterSequence,
  );
  if (changed.length === 0) return { messages: [], lastSequence: afterSequence };
  // A consistent cut at the last sequence `multi_last` saw: an event appended meanwhile on a
  // subject it did not list would be missing from the literal reads, so nothing after the cut
  // is taken (the guarded append that follows sees the newer events and is refused).
  const upTo = Math.max(...changed.map((last) => last.seq));
  const reads = await Promise.all(
    changed.map((last) => readSubject(nats, stream, last.subject, afterSequence)),
  );
  const messages = reads
    .flatMap((read) => read.messages)
    .filter((message) => message.seq <= upTo)
    .sort((a, b) => a.seq - b.seq);
  return { messages, lastSequence: upTo };
}

/** The last message of each subject matching `filter` (a `multi_last` batch direct get). */
async function lastPerSubject(
  { jsm }: { jsm: JetStreamManager },
  stream: string,
  filter: string,
): Promise<StoredMsg[]> {
  const lasts: StoredMsg[] = [];
  try {
    const batch = await jsm.direct.getLastMessagesFor(stream, {
      multi_last: [filter],
      batch: MAX_SUBJECTS,
    });
    await withDeadline(
      (async () => {
        for await (const m of batch) lasts.push(m);
      })(),
      () => batch.stop(),
      `reading the last events of ${filter} from ${stream}`,
    );
  } catch (err) {
    if (!isNoResults(err)) throw err;
  }
  return lasts;
}
