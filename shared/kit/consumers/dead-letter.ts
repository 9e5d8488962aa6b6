import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { StreamSpec } from "../nats/topology.ts";

/** The stream that keeps a record of every message a consumer gave up on, with the reason. */
export const DEAD_LETTER_STREAM: StreamSpec = {
  name: "DEADLETTER",
  subjects: ["deadletter.>"],
  description:
    "Messages a consumer could not handle: malformed, refused, or failing after the last delivery.",
};

/** Where a consumer's dead letters go: `deadletter.<stream>.<consumer>`. */
export const deadLetterSubject = (stream: string, consumer: string) =>
  `deadletter.${stream}.${consumer}`;

/** Bytes of the original payload a dead letter keeps. */
export const PAYLOAD_EXCERPT_BYTES = 4_096;
/** Characters of the original headers (names and values) a dead letter keeps. */
export const HEADERS_EXCERPT_CHARS = 2_048;
/** The most a stored dead letter weighs, whatever the original: far below any `max_payload`. */
export const MAX_DEAD_LETTER_BYTES = 16 * 1_024;
const REASON_CHARS = 1_024;

/**
 * A dead letter as stored (JSON). It refers to the original by `stream` and `streamSequence`
 * (the stream keeps it: fetch it from there to replay) and carries only a bounded excerpt of
 * it, so that a dead letter can always be stored, however large or strange the original.
 */
export interface DeadLetter {
  reason: string;
  code: string;
  consumer: string;
  stream: string;
  subject: string;
  streamSequence: number;
  deliveries: number;
  deadLetteredAt: string;
  /** The original's headers, cut to about HEADERS_EXCERPT_CHARS in all. */
  headers: Record<string, string[]>;
  headersTruncated: boolean;
  /** The start of the original payload as UTF-8 text (invalid bytes replaced). */
  payload: string;
  /** The original payload's size in bytes. */
  payloadBytes: number;
  payloadTruncated: boolean;
}

type Original = Pick<JsMsg, "subject" | "seq" | "data" | "headers">;
type Details = {
  stream: string;
  consumer: string;
  reason: string;
  code: string;
  deliveries: number;
};

const cut = (text: string, chars: number) =>
  text.length <= chars ? text : `${text.slice(0, chars)}…`;

function headersExcerpt(message: Original, budget: number) {
  const out: Record<string, string[]> = {};
  let left = budget;
  let truncated = false;
  if (message.headers) {
    for (const [key, values] of message.headers) {
      const kept: string[] = [];
      for (const value of values) {
        if (left <= 0) break;
        const piece = cut(value, Math.max(0, left - key.length));
        truncated ||= piece !== value;
        left -= key.length + piece.length;
        kept.push(piece);
      }
      truncated ||= kept.length < values.length;
      if (kept.length > 0) out[key] = kept;
    }
  }
  return { headers: out, truncated };
}

/**
 * Builds the dead letter for `message`, at most MAX_DEAD_LETTER_BYTES once serialized: the
 * excerpts shrink until it fits (escaping can make text up to six times its bytes).
 */
export function createDeadLetter(
  message: Original,
  { stream, consumer, reason, code, deliveries }: Details,
  now: Date = new Date(),
): { letter: DeadLetter; json: string } {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  for (let share = 1; ; share /= 2) {
    const payloadBytes = Math.floor(PAYLOAD_EXCERPT_BYTES * share);
    const { headers, truncated } = headersExcerpt(
      message,
      Math.floor(HEADERS_EXCERPT_CHARS * share),
    );
    const letter: DeadLetter = {
      reason: cut(reason, REASON_CHARS),
      code: cut(code, 128),
      consumer,
      stream,
      subject: message.subject,
      streamSequence: message.seq,
      deliveries,
      deadLetteredAt: now.toISOString(),
      headers,
      headersTruncated: truncated,
      payload: decoder.decode(message.data.subarray(0, payloadBytes)),
      payloadBytes: message.data.length,
      payloadTruncated: message.data.length > payloadBytes,
    };
    const json = JSON.stringify(letter);
    if (payloadBytes === 0 || encoder.encode(json).length <= MAX_DEAD_LETTER_BYTES)
      return { letter, json };
  }
}

/**
 * Stores a dead letter for `message` (see {@link createDeadLetter}) and resolves once
 * JetStream has it. Deduplicated per (consumer, stream, sequence) within the broker's
 * window, so a retried dead-lettering stores one copy. Throws when it cannot be stored
 * (broker unreachable, no DEADLETTER stream): the caller must not settle the original.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  message: Original,
  details: Details,
): Promise<DeadLetter> {
  const { letter, json } = createDeadLetter(message, details);
  await js.publish(deadLetterSubject(details.stream, details.consumer), json, {
    msgID: `dead-letter:${details.consumer}:${details.stream}:${message.seq}`,
  });
  return letter;
}
