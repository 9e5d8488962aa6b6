import type { JsMsg } from "@nats-io/jetstream";
import type { EventEnvelope } from "../events/cloud-event.ts";
import { aggregateOf } from "../events/event-subject.ts";
import { eventLogger, type Logger } from "../log/logger.ts";
import { headerType } from "./decode-step.ts";

/** What becomes of a message; the consumer's `settle` applies it. */
export type Outcome =
  /** Done: handled now, handled before (`duplicate`), or not for this consumer (`skipped`). */
  | { kind: "ack"; result: "handled" | "duplicate" | "skipped" }
  /** The handler failed transiently: `nak(delayMs)`, and count the failure. */
  | {
      kind: "retry";
      code: string;
      reason: string;
      delayMs: number;
      failedType: string;
      cause?: unknown;
    }
  /**
   * Not a failure, but not now: `nak(delayMs)`. `problem`, when set, is reported in
   * readiness until it stops recurring (an event version this code does not know).
   */
  | { kind: "defer"; code: string; reason: string; delayMs: number; problem?: string }
  /** The consumer is stopping and this message never reached its handler: `nak()` at once. */
  | { kind: "hand-back" }
  /** Give up on it: store a dead letter, then `term()`. */
  | { kind: "dead-letter"; code: string; reason: string; failedType?: string; cause?: unknown };

/**
 * The aggregate a message belongs to (its subject less its `ce-type`): a consumer keeps one
 * aggregate's messages in stream order, whatever their types.
 */
export const orderingKey = (message: JsMsg) =>
  aggregateOf(message.subject, headerType(message.headers?.get("ce-type")));

/** A message on its way through the steps, and what the steps learned about it. */
export interface MessageInProcess {
  readonly message: JsMsg;
  /** See `orderingKey`. */
  readonly key: string;
  /** Set by the decode step. */
  event?: EventEnvelope;
  /** A logger carrying the message's position and, once decoded, the event's ids; built on first use. */
  readonly log: Logger;
}

/**
 * One step of the message path, all of one shape: it returns an outcome to end the path
 * there, or nothing to hand the message to the next step.
 */
export type Step = (m: MessageInProcess) => Outcome | undefined | Promise<Outcome | undefined>;

/** Wraps a message for the steps; `logger` is the consumer's. */
export function inProcess(message: JsMsg, logger: Logger, key: string): MessageInProcess {
  let log: Logger | undefined;
  const m: MessageInProcess = {
    message,
    key,
    get log() {
      const position = { sequence: message.seq, deliveries: message.info.deliveryCount };
      log ??= m.event
        ? eventLogger(
            logger,
            { eventId: m.event.id, eventType: m.event.type, correlationId: m.event.correlationId },
            position,
          )
        : logger.child({ ...position, subject: message.subject });
      return log;
    },
  };
  return m;
}

/** Runs `steps` in order until one returns an outcome; throws if none does (a wiring bug). */
export async function runSteps(steps: readonly Step[], m: MessageInProcess): Promise<Outcome> {
  for (const step of steps) {
    const outcome = await step(m);
    if (outcome) return outcome;
  }
  throw new Error("no step settled the message: the last step must always return an outcome");
}
