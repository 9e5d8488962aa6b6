import { isUnreadableHistory } from "../aggregates/decode-history.ts";
import { createKeyedLock } from "../aggregates/keyed-lock.ts";
import { AppError, isPermanent } from "../errors/app-error.ts";
import type { EventEnvelope } from "../events/cloud-event.ts";
import type { EventHandler } from "../events/on-event.ts";
import { markProcessed, wasProcessed } from "../store/processed-events.ts";
import type { SqliteDb, Store } from "../store/store.ts";
import { BatcherStoppedError, type CommitBatcher, CommitFailedError } from "./commit-batcher.ts";
import type { ConsumerContext, MessageContext } from "./consumer-definition.ts";
import type { FailureTracker } from "./failure-tracker.ts";
import type { MessageInProcess, Outcome, Step } from "./pipeline.ts";
import { isRetryHorizonReached, type RetryPolicy, retryDelayMs } from "./retry-policy.ts";

type Db = SqliteDb<Record<string, unknown>>;

export interface HandleDeps<Schema extends Record<string, unknown>> {
  consumer: string;
  stream: string;
  effects: "database" | "events";
  handlers: ReadonlyMap<string, EventHandler<ConsumerContext<Schema>>>;
  store: Store<Schema>;
  batcher: CommitBatcher<Schema>;
  policy: RetryPolicy;
  failures: FailureTracker;
  now?: () => number;
}

/**
 * The step that handles a decoded event exactly once per consumer, by event id, whatever
 * the message's headers: the handler's effects (`"database"`) or the handler's success
 * (`"events"`) and the idempotency record are committed before the outcome is `ack`; an
 * event already recorded is acked as a duplicate without running the handler. A failure
 * becomes a dead letter when permanent (an AppError other than `unavailable`) or once the
 * retry horizon has passed since its first failure, otherwise a retry after the policy's
 * delay. A failed group commit is a transient failure like any other.
 */
export function handleOnce<Schema extends Record<string, unknown>>(deps: HandleDeps<Schema>): Step {
  const { consumer, stream, handlers, store, batcher, policy, failures } = deps;
  const now = deps.now ?? (() => Date.now());
  const withEventLock = createKeyedLock();

  const inTransaction = (
    handler: EventHandler<ConsumerContext<Schema>>,
    event: EventEnvelope,
    context: MessageContext,
  ) =>
    batcher.submit(
      async (tx) => {
        if (await wasProcessed(tx as Db, consumer, event.id)) return true;
        await handler.handle(event, { ...context, tx } as ConsumerContext<Schema>);
        await markProcessed(tx as Db, consumer, event.id);
        return false;
      },
      { deferrable: true },
    );

  // One event id at a time: two copies on different subjects must not both run the handler.
  const outsideTransaction = (
    handler: EventHandler<ConsumerContext<Schema>>,
    event: EventEnvelope,
    context: MessageContext,
  ) =>
    withEventLock(event.id, async () => {
      if (await wasProcessed(store.read as Db, consumer, event.id)) return true;
      await handler.handle(event, context as ConsumerContext<Schema>);
      await batcher.submit((tx) => markProcessed(tx as Db, consumer, event.id));
      return false;
    });
  const run = deps.effects === "events" ? outsideTransaction : inTransaction;

  function failed(m: MessageInProcess, type: string, err: unknown): Outcome {
    const code =
      err instanceof AppError || err instanceof CommitFailedError ? err.code : "handler.failed";
    const reason = (err as Error)?.message ?? String(err);
    if (isPermanent(err))
      return { kind: "dead-letter", code, reason, failedType: type, cause: err };
    const record = failures.fail(m.message.seq);
    // The handler's aggregate holds an event this release cannot read (a newer one wrote it):
    // like an event of an unknown version, this waits for code that can, never a dead letter.
    if (isUnreadableHistory(err))
      return {
        kind: "defer",
        code,
        reason,
        delayMs: retryDelayMs(policy, record.failures),
        problem: `waiting for code that can read the aggregate's history: ${reason}`,
      };
    if (isRetryHorizonReached(policy, record.firstFailedAt, now())) {
      const deliveries = m.message.info.deliveryCount;
      const seconds = ((now() - record.firstFailedAt) / 1000).toFixed(1);
      return {
        kind: "dead-letter",
        code,
        reason: `still failing after ${deliveries} deliveries over ${seconds} s: ${reason}`,
        failedType: type,
        cause: err,
      };
    }
    const delayMs = retryDelayMs(policy, record.failures);
    return { kind: "retry", code, reason, delayMs, failedType: type, cause: err };
  }

  return async (m) => {
    const { message, event } = m;
    const handler = event && handlers.get(event.type);
    if (!event || !handler) throw new Error("handle step reached without a decoded, handled event");
    const context: MessageContext = {
      position: { stream, subject: message.subject, sequence: message.seq },
      deliveries: message.info.deliveryCount,
      get logger() {
        return m.log;
      },
    };
    try {
      const duplicate = await run(handler, event, context);
      return { kind: "ack", result: duplicate ? "duplicate" : "handled" };
    } catch (err) {
      if (err instanceof BatcherStoppedError) return { kind: "hand-back" };
      return failed(m, event.type, err);
    }
  };
}
