import type { JsMsg } from "@nats-io/jetstream";
import { AppError, isPermanent } from "../errors/app-error.ts";
import {
  applyBatch,
  type BatchItem,
  BatchItemError,
  type BatchResult,
  type BatchTarget,
} from "./apply-batch.ts";
import { type BackoffPolicy, backoffDelay, pause } from "./backoff.ts";
import type { SelectedMessage } from "./select-message.ts";

/** What a projection does with an event it cannot apply (see ProjectionDefinition.onHandlerFailure). */
export type HandlerFailurePolicy = "dead-letter" | "halt";

/** What settling a batch did: committed (some of) it, and/or found the message to halt at. */
export interface SettleOutcome {
  committed?: BatchResult;
  haltAt?: GivenUp;
}

/** An event the projection gives up on, with why. */
export interface GivenUp {
  selected: SelectedMessage;
  reason: string;
  code: string;
  attempts: number;
}

export interface SettleContext<Schema extends Record<string, unknown>> {
  target: BatchTarget<Schema>;
  select(message: JsMsg): SelectedMessage;
  policy: HandlerFailurePolicy;
  /** Tries per event before the policy applies; a permanent AppError gets one. */
  attempts: number;
  backoff: BackoffPolicy;
  /** Stores the dead letter; throws when it cannot (then it is retried). */
  deadLetter(givenUp: GivenUp): Promise<void>;
  /** Reports a failed attempt (to apply the batch, or to store a dead letter). */
  failed(err: unknown, code: string, attempt: number, selected?: SelectedMessage): void;
  /** Aborted when the projection stops: settling gives up and the checkpoint stays put. */
  signal: AbortSignal;
}

const codeOf = (err: unknown, fallback: string) => (err instanceof AppError ? err.code : fallback);

/** Selects a message, retrying with back-off while it throws (a version not known yet); undefined once stopped. */
async function selectPatiently<Schema extends Record<string, unknown>>(
  context: SettleContext<Schema>,
  message: JsMsg,
): Promise<SelectedMessage | undefined> {
  for (let attempt = 1; !context.signal.aborted; attempt += 1) {
    try {
      return context.select(message);
    } catch (err) {
      context.failed(err, codeOf(err, "projection.select-failed"), attempt);
      await pause(backoffDelay(attempt, context.backoff), context.signal);
    }
  }
  return undefined;
}

/**
 * Settles one batch of messages in stream order, each decoded once (`select`), and resolves
 * with what was committed, if anything, and the message to halt at, if the policy says so.
 * Nothing is committed once `signal` aborts (the projection stops).
 *
 * - A message that cannot be decoded yet (an `unavailable` error, such as an unknown version)
 *   holds the batch, retried with back-off.
 * - The batch is applied in one transaction (see applyBatch). When a handler throws, the
 *   transaction rolls back and is tried again after a back-off; after `attempts` tries (one for
 *   a permanent AppError), or at once for a message that cannot be a valid event, the message
 *   is given up.
 * - Any other failure (the store, the checkpoint) is retried with back-off until it commits.
 * - Giving up follows the policy. "dead-letter": the dead letter is stored (retried with
 *   back-off until the broker has it) before the batch is applied again without that message.
 *   "halt": the messages before it are committed, if they can be, and it is returned as `haltAt`.
 */
export async function settleBatch<Schema extends Record<string, unknown>>(
  context: SettleContext<Schema>,
  messages: readonly JsMsg[],
): Promise<SettleOutcome> {
  const { signal } = context;
  const items: BatchItem[] = [];
  for (const message of messages) {
    const selected = await selectPatiently(context, message);
    if (!selected) return {};
    items.push({ selected, passed: false });
  }

  async function deadLetterPatiently(item: BatchItem, givenUp: GivenUp): Promise<boolean> {
    for (let attempt = 1; !signal.aborted; attempt += 1) {
      try {
        await context.deadLetter(givenUp);
        item.passed = true;
        return true;
      } catch (err) {
        context.failed(err, "projection.dead-letter-failed", attempt, item.selected);
        await pause(backoffDelay(attempt, context.backoff), signal);
      }
    }
    return false;
  }

  async function haltAt(item: BatchItem, givenUp: GivenUp): Promise<SettleOutcome> {
    const before = items.slice(0, items.indexOf(item));
    if (before.length === 0) return { haltAt: givenUp };
    try {
      return { committed: await applyBatch(context.target, before), haltAt: givenUp };
    } catch (err) {
      context.failed(err, codeOf(err, "projection.batch-failed"), 1);
      return { haltAt: givenUp };
    }
  }

  let attempt = 0;
  while (!signal.aborted) {
    try {
      return { committed: await applyBatch(context.target, items) };
    } catch (err) {
      attempt += 1;
      if (!(err instanceof BatchItemError)) {
        context.failed(err, codeOf(err, "projection.batch-failed"), attempt);
        await pause(backoffDelay(attempt, context.backoff), signal);
        continue;
      }
      const { item, cause } = err;
      const rejected = item.selected.kind === "reject";
      const code = codeOf(cause, "projection.handler-failed");
      if (!rejected) context.failed(cause, code, attempt, item.selected);
      if (!rejected && !isPermanent(cause) && attempt < context.attempts) {
        await pause(backoffDelay(attempt, context.backoff), signal);
        continue;
      }
      const tries = rejected ? "" : ` (${attempt} ${attempt === 1 ? "attempt" : "attempts"})`;
      const givenUp = {
        selected: item.selected,
        reason: `${err.message}${tries}`,
        code,
        attempts: attempt,
      };
      if (context.policy === "halt") return haltAt(item, givenUp);
      if (!(await deadLetterPatiently(item, givenUp))) return {};
      attempt = 0;
    }
  }
  return {};
}
