import { headers as natsHeaders } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { contracts } from "@shop/shared/contracts";
import { decodeEvent, isUnknownVersion } from "@shop/shared/kit";
import type { ChaosContext } from "./chaos-context.ts";
import {
  type EventTargets,
  type FuzzMessage,
  isLiveSubject,
  largeMessage,
  smallMessage,
} from "./event-fuzz-cases.ts";

/** What the event fuzzer published. */
export interface EventFuzzFigures {
  published: number;
  bytes: number;
  /** Publishes given up after a minute of retries (the broker down, or over max_payload). */
  publishErrors: number;
  /** Publishes sent again because the connection was down at the time. */
  publishRetries: number;
  byKind: Record<string, number>;
  /** Generated messages that were not fuzz (see `isFuzz`), so were replaced, never published. */
  replaced: number;
}

const FLUSH_EVERY = 25;

function toHeaders(values: Record<string, string> | undefined) {
  if (!values) return undefined;
  const h = natsHeaders();
  for (const [key, value] of Object.entries(values)) h.set(key, value);
  return h;
}

/**
 * Why the shop refuses this message (the decoder's error code), or undefined when it would
 * not: a message that decodes is a real event that would change state, and one of an
 * unknown version is meant to make consumers wait. Neither is fuzz, so neither is sent.
 */
function refusal(message: FuzzMessage): string | undefined {
  try {
    decodeEvent(contracts, {
      subject: message.subject,
      data: message.payload,
      headers: toHeaders(message.headers),
    });
    return undefined;
  } catch (err) {
    return isUnknownVersion(err) ? undefined : ((err as { code?: string }).code ?? "decode.failed");
  }
}

/**
 * Poison the shop must shrug off. An event of a type no contract knows is by design held up
 * (not skipped) when it sits on a live aggregate's subject: an aggregate will not decide on
 * a history it cannot read (a newer release wrote it). So unknown types go to made-up ids only.
 */
function isFuzz(message: FuzzMessage, targets: EventTargets): boolean {
  const code = refusal(message);
  if (code === undefined) return false;
  return code !== "event.unknown-type" || !isLiveSubject(targets, message.subject);
}

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no flush in ${ms} ms`)), ms),
    ),
  ]);

/**
 * Publishes `options.eventFuzz` poison messages straight to the streams' subjects with core
 * NATS (as `nats pub` does: no Nats-Msg-Id, no ack), paced on the load's progress, on its own
 * connection that rides out broker restarts. `eventFuzzLarge` of them weigh 100 kB to ~1 MB.
 * Whether anything wedged is judged afterwards, by the invariants.
 */
export async function runEventFuzz(
  ctx: ChaosContext,
  targets: EventTargets,
): Promise<EventFuzzFigures> {
  const random = ctx.random.fork("event-fuzz");
  const total = ctx.options.eventFuzz;
  const large = Math.min(total, ctx.options.eventFuzzLarge);
  const largeAt = new Set(
    random.shuffle(Array.from({ length: total }, (_, i) => i)).slice(0, large),
  );
  let largeIndex = 0;
  const figures: EventFuzzFigures = {
    published: 0,
    bytes: 0,
    publishErrors: 0,
    publishRetries: 0,
    byKind: {},
    replaced: 0,
  };
  const nc = await connect({
    servers: ctx.chaos.shop.nats.url,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    name: "chaos-event-fuzzer",
  });
  // A publish while the broker is down throws at once: wait for the reconnect and send it again.
  const publish = async (message: FuzzMessage, n: number) => {
    const giveUpAt = Date.now() + 60_000;
    for (;;) {
      try {
        nc.publish(message.subject, message.payload, { headers: toHeaders(message.headers) });
        if (n % FLUSH_EVERY === 0 || message.payload.length > 100_000)
          await withTimeout(nc.flush(), 15_000);
        figures.published += 1;
        figures.bytes += message.payload.length;
        figures.byKind[message.kind] = (figures.byKind[message.kind] ?? 0) + 1;
        return;
      } catch (err) {
        if (Date.now() > giveUpAt) {
          figures.publishErrors += 1;
          const subject = message.subject.slice(0, 80);
          ctx.emit("event-fuzz-error", {
            n,
            messageKind: message.kind,
            subject,
            error: (err as Error).message,
          });
          return;
        }
        figures.publishRetries += 1;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  try {
    for (let n = 0; n < total; n++) {
      await ctx.progress.reach(n / total);
      let message = largeAt.has(n)
        ? largeMessage(targets, random, largeIndex++)
        : smallMessage(targets, random);
      while (!isFuzz(message, targets)) {
        figures.replaced += 1;
        message = smallMessage(targets, random);
      }
      await publish(message, n);
    }
    await withTimeout(nc.flush(), 15_000).catch(() => {
      figures.publishErrors += 1;
    });
  } finally {
    await nc.close();
  }
  return figures;
}
