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

/** One result for batches committed one after the other. */
function merge(parts: readonly BatchResult[]): BatchResult | undefined {
  const last = parts.at(-1);
  if (!last) return undefined;
  const sum = (key: "messages" | "applied" | "duplicates") =>
    parts.reduce((total, part) => total + part[key], 0);
  return {
    messages: sum("messages"),
    lastSequence: last.lastSequence,
    applied: sum("applied"),
    duplicates: sum("duplicates"),
  };
}

/**
 * Settles messages in stream order, each decoded once (`select`), and resolves with what was
 * committed, if anything (its first `messages`: call again with the rest), and the message to
 * halt at, if the policy says so. Nothing more is committed once `signal` aborts.
 *
 * - A message that cannot be decoded yet (an `unavailable` error, such as an unknown version)
 *   ends the batch before it; first in a batch, it is retried with back-off until it decodes.
 * - The batch is applied in one transaction (see applyBatch). When a message stops it (a
 *   handler throws, or it cannot be a valid event), what precedes that message is committed
 *   on its own, and the message is tried again after a back-off; after `attempts` tries (one
 *   for a permanent AppError or an invalid event) it is given up.
 * - Any other failure (the store, the checkpoint) is retried with back-off until it commits.
 * - Giving up follows the policy. "dead-letter": the dead letter is stored (retried with
 *   back-off until the broker has it) before the checkpoint may pass the message; invalid
 *   events are dead-lettered before any transaction. "halt": it is returned as `haltAt`.
 */
export async function settleBatch<Schema extends Record<string, unknown>>(
  context: SettleContext<Schema>,
  messages: readonly JsMsg[],
): Promise<SettleOutcome> {
  const { signal } = context;
  const items: BatchItem[] = [];
  for (const message of messages) {
    if (items.length === 0) {
      const selected = await selectPatiently(context, message);
      if (!selected) return {};
      items.push({ selected, passed: false });
      continue;
    }
    try {
      items.push({ selected: context.select(message), passed: false });
    } catch {
      break; // Not now: settle what precedes it; it comes first in the next call.
    }
  }
  const committed: BatchResult[] = [];

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

  if (context.policy === "dead-letter") {
    for (const item of items) {
      if (item.selected.kind !== "reject") continue;
      const { error } = item.selected;
      const givenUp = {
        selected: item.selected,
        reason: error.message,
        code: error.code,
        attempts: 1,
      };
      if (!(await deadLetterPatiently(item, givenUp))) return {};
    }
  }

  let rest = items;
  let attempt = 0;
  while (!signal.aborted && rest.length > 0) {
    try {
      committed.push(await applyBatch(context.target, rest));
      rest = [];
      break;
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
      const before = rest.slice(0, rest.indexOf(item));
      if (before.length > 0) {
        // They applied this time: commit them, so that retries run from the failing message.
        try {
          committed.push(await applyBatch(context.target, before));
          rest = rest.slice(before.length);
        } catch (prefixErr) {
          context.failed(prefixErr, codeOf(prefixErr, "projection.batch-failed"), attempt);
          await pause(backoffDelay(attempt, context.backoff), signal);
          continue;
        }
      }
      if (!rejected && !isPermanent(cause) && attempt < context.attempts) {
        await pause(backoffDelay(attempt, context.backoff), signal);
        continue;
      }
      const tries = rejected ? "" : ` (${attempt} ${attempt === 1 ? "attempt" : "attempts"})`;
      const reason = `${err.message}${tries}`;
      const givenUp = { selected: item.selected, reason, code, attempts: attempt };
      if (context.policy === "halt") return { committed: merge(committed), haltAt: givenUp };
      if (!(await deadLetterPatiently(item, givenUp))) break;
      attempt = 0;
    }
  }
  return { committed: merge(committed) };
}
