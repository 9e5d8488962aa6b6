import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { contracts } from "@shop/shared/contracts";
import { AppError, decodeEvent, type EventEnvelope } from "@shop/shared/kit";

/** One stored message: decoded as the shop decodes it, or why it could not be. */
export interface StoredMessage {
  seq: number;
  subject: string;
  time: Date;
  bytes: number;
  /** The event, when the message is one the shop accepts. */
  event?: EventEnvelope;
  /** The decoder's error code otherwise (event.malformed, event.invalid-data, ...). */
  error?: string;
  /** The raw JSON of a message that is not an event (dead letters are read this way). */
  json?: unknown;
}

/** Reads streams from the broker, remembering what it read so a re-read fetches only the tail. */
export interface StreamCache {
  read(stream: string): Promise<StoredMessage[]>;
}

const decoder = new TextDecoder();
const READ_TIMEOUT_MS = 60_000;

/**
 * Streams read through an ordered consumer (the broker's own view, not any service's). Events
 * decode with the shop's contracts; a message that is not a CloudEvent keeps its JSON when it
 * has some (dead letters), or only its decode error. Payloads are not kept.
 */
export function createStreamCache(js: JetStreamClient, jsm: JetStreamManager): StreamCache {
  const cache = new Map<string, StoredMessage[]>();
  return {
    async read(stream) {
      const known = cache.get(stream) ?? [];
      cache.set(stream, known);
      const info = await jsm.streams.info(stream);
      const after = known.at(-1)?.seq ?? 0;
      const last = info.state.last_seq;
      if (last <= after || info.state.messages === 0) return known;
      const consumer = await js.consumers.get(stream, {
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: Math.max(after + 1, info.state.first_seq),
      });
      const messages = await consumer.consume({ max_messages: 64 });
      const timer = setTimeout(() => messages.stop(), READ_TIMEOUT_MS);
      try {
        for await (const m of messages) {
          const stored: StoredMessage = {
            seq: m.seq,
            subject: m.subject,
            time: m.time,
            bytes: m.data.length,
          };
          try {
            stored.event = decodeEvent(contracts, {
              subject: m.subject,
              data: m.data,
              headers: m.headers,
              time: m.time,
            });
          } catch (err) {
            stored.error = err instanceof AppError ? err.code : "decode.failed";
            if (stream === "DEADLETTER") {
              try {
                stored.json = JSON.parse(decoder.decode(m.data));
              } catch {
                // The kit writes dead letters as JSON: one that is not is itself worth seeing.
                stored.error = "deadletter.not-json";
              }
            }
          }
          known.push(stored);
          if (m.seq >= last) break;
        }
      } finally {
        clearTimeout(timer);
        await messages.close();
      }
      if ((known.at(-1)?.seq ?? 0) < last)
        throw new Error(
          `${stream}: read up to ${known.at(-1)?.seq ?? 0} of ${last} in ${READ_TIMEOUT_MS} ms`,
        );
      return known;
    },
  };
}
