import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { StreamSpec } from "../nats/topology.ts";

/** The stream that keeps every message a consumer gave up on, with the reason. */
export const DEAD_LETTER_STREAM: StreamSpec = {
  name: "DEADLETTER",
  subjects: ["deadletter.>"],
  description:
    "Messages a consumer could not handle: malformed, refused, or failing after the last delivery.",
};

/** Where a consumer's dead letters go: `deadletter.<stream>.<consumer>`. */
export const deadLetterSubject = (stream: string, consumer: string) =>
  `deadletter.${stream}.${consumer}`;

/** A dead letter as stored (JSON): enough to understand the failure and to replay the original. */
export interface DeadLetter {
  reason: string;
  code: string;
  consumer: string;
  stream: string;
  subject: string;
  streamSequence: number;
  deliveries: number;
  deadLetteredAt: string;
  headers: Record<string, string[]>;
  /** The original payload, as UTF-8 text (invalid bytes replaced). */
  payload: string;
}

function headersOf(message: Pick<JsMsg, "headers">): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (message.headers) for (const [key, values] of message.headers) out[key] = values;
  return out;
}

/**
 * Stores a dead letter for `message` and resolves once JetStream has it. Deduplicated per
 * (consumer, stream sequence) within the broker's window, so a retried dead-lettering
 * stores one copy. Throws when the broker cannot be reached: the caller must not settle.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  message: Pick<JsMsg, "subject" | "seq" | "data" | "headers">,
  {
    stream,
    consumer,
    reason,
    code,
    deliveries,
  }: { stream: string; consumer: string; reason: string; code: string; deliveries: number },
): Promise<DeadLetter> {
  const letter: DeadLetter = {
    reason,
    code,
    consumer,
    stream,
    subject: message.subject,
    streamSequence: message.seq,
    deliveries,
    deadLetteredAt: new Date().toISOString(),
    headers: headersOf(message),
    payload: new TextDecoder().decode(message.data),
  };
  await js.publish(deadLetterSubject(stream, consumer), JSON.stringify(letter), {
    msgID: `dead-letter:${consumer}:${stream}:${message.seq}`,
  });
  return letter;
}
