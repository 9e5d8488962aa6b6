import {
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";

/**
 * Reads every message stored on one exact subject after `afterSequence`, in order.
 * Asks the stream for the subject's last sequence first and stops there, so an empty
 * tail costs one request and never waits on a fetch timeout.
 */
export async function readSubject(
  { js, jsm }: { js: JetStreamClient; jsm: JetStreamManager },
  stream: string,
  subject: string,
  afterSequence = 0,
): Promise<{ messages: JsMsg[]; lastSequence: number }> {
  const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
  if (!last || last.seq <= afterSequence) return { messages: [], lastSequence: last?.seq ?? 0 };
  const consumer = await js.consumers.get(stream, {
    filter_subjects: subject,
    ...(afterSequence > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSequence + 1 }
      : { deliver_policy: DeliverPolicy.All }),
  });
  const messages: JsMsg[] = [];
  const iterator = await consumer.consume({ max_messages: 512 });
  try {
    for await (const message of iterator) {
      messages.push(message);
      if (message.seq >= last.seq) break;
    }
  } finally {
    await iterator.close();
  }
  return { messages, lastSequence: last.seq };
}
