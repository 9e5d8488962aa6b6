import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { ContractRegistry } from "../events/event-contract.ts";
import { indexHandlers } from "../events/on-event.ts";
import type { Logger } from "../log/logger.ts";
import type { ServiceMetrics } from "../metrics/metrics.ts";
import { DEFAULT_ACK_WAIT_MS, isNotFound } from "../nats/topology.ts";
import { pruneProcessed } from "../store/processed-events.ts";
import type { SqliteDb, Store } from "../store/store.ts";
import { createAckKeeper } from "./ack-keeper.ts";
import { createCommitBatcher } from "./commit-batcher.ts";
import type { ConsumerContext, ConsumerDefinition } from "./consumer-definition.ts";
import { type ConsumerHealth, createHealthBoard } from "./consumer-health.ts";
import { decodeEvent, skipUnhandledTypes, typeFilter } from "./decode-step.ts";
import { createFailureTracker, storeOwedDeadLetter } from "./failure-tracker.ts";
import { handleOnce } from "./handle-step.ts";
import { createInFlight } from "./in-flight.ts";
import { inProcess, orderingKey, runSteps, type Step } from "./pipeline.ts";
import { retryPolicy } from "./retry-policy.ts";
import { createSettler } from "./settle.ts";
import { createSubjectGate, keepSubjectOrder } from "./subject-gate.ts";

export type {
  ConsumerContext,
  ConsumerDefinition,
  ConsumerOptions,
  MessageContext,
} from "./consumer-definition.ts";
export type { ConsumerHealth } from "./consumer-health.ts";

export interface RunningConsumer {
  readonly name: string;
  /** Whether it is making progress; `problems` names what stops it (readiness shows them). */
  health(): ConsumerHealth;
  /** Stops pulling, lets the messages being handled finish and settle, hands the others back at once. */
  stop(): Promise<void>;
}

export interface ConsumerDeps<Schema extends Record<string, unknown>> {
  js: JetStreamClient;
  registry: ContractRegistry;
  store: Store<Schema>;
  logger: Logger;
  metrics: ServiceMetrics;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Runs a durable pull consumer. Every message goes through the same steps: a dead letter
 * still owed → skip types it does not handle (by `ce-type`, before decoding) → decode →
 * keep its aggregate's order → handle once by event id → settle (see `createSettler`).
 *
 * Concurrency: up to `maxInFlight` messages (default 32) are in hand; different aggregates run
 * concurrently, one aggregate's messages (whatever their types: see `orderingKey`) strictly in
 * stream order, a retried message holding back the later ones of its aggregate.
 * `effects: "database"` handlers of concurrent messages share group commits; nothing is acked
 * before its effects and idempotency record commit.
 * `working()` is sent only for messages held long enough to risk their ack wait.
 *
 * Failures: malformed or permanently refused events are dead-lettered; transient failures
 * are retried with the spec's retry policy (backoff with jitter) until its horizon, then
 * dead-lettered; an event version this code does not know is put back to wait, never
 * dead-lettered. `health()` reports what keeps it from progressing. Processed-event records
 * older than `dedupeHorizonMs` (default 7 days) are pruned at start and every `pruneEveryMs`.
 */
export async function startConsumer<Schema extends Record<string, unknown>>(
  definition: ConsumerDefinition<Schema>,
  { js, registry, store, logger: baseLogger, metrics }: ConsumerDeps<Schema>,
): Promise<RunningConsumer> {
  const { spec } = definition;
  const name = spec.durable;
  const handlers = indexHandlers<ConsumerContext<Schema>>(definition.handlers, name);
  const maxInFlight = definition.maxInFlight ?? 32;
  const ackWaitMs = spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const policy = retryPolicy(spec.retry);
  const logger = baseLogger.child({ consumer: name });
  const filters = spec.filterSubjects ?? [spec.filterSubject];
  const unreachable = [...handlers.keys()].filter(
    (type) => !filters.some((f) => f.endsWith(">") || f.endsWith("*") || f.endsWith(`.${type}`)),
  );
  if (unreachable.length > 0)
    throw new Error(
      `consumer ${name} has handlers for ${unreachable.join(", ")}, which its filter (${filters.join(", ")}) never delivers`,
    );
  const consumer = await js.consumers.get(spec.stream, name);
  metrics.trackLag(name, async () => {
    const info = await consumer.info();
    return info.num_pending + info.num_ack_pending;
  });

  const forgetAfterMs = policy.maxDelayMs + 2 * ackWaitMs;
  const failures = createFailureTracker({ forgetAfterMs });
  const gate = createSubjectGate({ forgetAfterMs });
  const health = createHealthBoard();
  const batcher = createCommitBatcher(store, { maxBatch: definition.maxBatch });
  const types = typeFilter(registry, handlers.keys());
  const steps: Step[] = [
    storeOwedDeadLetter(failures),
    skipUnhandledTypes(types),
    decodeEvent(registry, types, policy),
    keepSubjectOrder(gate),
    handleOnce({
      consumer: name,
      stream: spec.stream,
      effects: definition.effects ?? "database",
      handlers,
      store,
      batcher,
      policy,
      failures,
    }),
  ];
  const settle = createSettler({
    js,
    consumer: name,
    stream: spec.stream,
    policy,
    failures,
    gate,
    health,
    metrics,
  });

  const bufferSize = Math.min(maxInFlight, 64);
  const keeper = createAckKeeper({ ackWaitMs, bufferSize });
  const inFlight = createInFlight(maxInFlight, (err) =>
    logger.error({ err }, "could not settle a message; it will be redelivered"),
  );
  let stopping = false;
  const handBack: JsMsg[] = [];

  async function handleMessage(message: JsMsg, key: string) {
    if (stopping) {
      keeper.release(message);
      handBack.push(message);
      return;
    }
    const timer = metrics.handlerDuration.startTimer({ consumer: name });
    try {
      const m = inProcess(message, logger, key);
      await settle(m, await runSteps(steps, m));
    } finally {
      keeper.release(message);
      timer();
    }
  }

  const dedupeHorizonMs = definition.dedupeHorizonMs ?? 7 * DAY_MS;
  async function prune() {
    const before = new Date(Date.now() - dedupeHorizonMs);
    let deleted = 0;
    for (let chunk = -1; chunk !== 0 && !stopping; deleted += chunk)
      chunk = await batcher.submit((tx) =>
        pruneProcessed(tx as SqliteDb<Record<string, unknown>>, name, before, 5_000),
      );
    if (deleted > 0) logger.info({ deleted, before }, "pruned processed-event records");
  }
  const pruneSafely = () =>
    prune().catch((err) => logger.error({ err }, "could not prune processed-event records"));
  const pruned = pruneSafely();
  const pruneTimer = setInterval(pruneSafely, definition.pruneEveryMs ?? 60 * 60_000);
  // The pull's status reports a deleted durable only when the server tells an open pull; a
  // look every few seconds finds it either way (one API call, not one per message).
  const gone = "deleted";
  const reportGone = () =>
    health.report(
      gone,
      `durable consumer ${name} on ${spec.stream} is gone from the broker (deleted?); it is not recreated on its own, since a new one starts from the first event of the stream`,
      365 * DAY_MS,
    );
  const presence = setInterval(() => {
    consumer.info().then(
      () => health.clear(gone),
      (err: unknown) => {
        if (isNotFound(err)) reportGone();
        // The broker is unreachable, say: readiness reports that through the connection.
        else logger.debug({ err }, "could not check that the durable consumer exists");
      },
    );
  }, definition.presenceCheckMs ?? 5_000);
  const housekeeping = setInterval(
    () => {
      keeper.refresh();
      failures.sweep();
    },
    Math.max(50, ackWaitMs / 4),
  );

  const messages: ConsumerMessages = await consumer.consume({ max_messages: bufferSize });
  (async () => {
    for await (const status of messages.status()) {
      // A deleted durable is not recreated here: a new one would start from the stream's first
      // event, past the horizon of the processed-event records. Operators decide; readiness says why.
      if (status.type === "consumer_deleted" || status.type === "consumer_not_found") {
        logger.error({ status }, "the durable consumer is gone from the broker");
        reportGone();
      } else logger.debug({ status }, "consumer status");
    }
  })().catch((err: unknown) =>
    // The presence check still finds a deleted durable; this only loses the faster signal.
    logger.warn({ err }, "stopped watching the consumer's status"),
  );
  const pulling = (async () => {
    for await (const message of messages) {
      if (stopping) {
        handBack.push(message);
        continue;
      }
      keeper.hold(message);
      keeper.waited(await inFlight.acquire());
      const key = orderingKey(message);
      inFlight.run(key, () => handleMessage(message, key));
    }
  })().catch((err) => {
    logger.error({ err }, "stopped pulling messages");
    health.report("pulling", `stopped pulling messages: ${(err as Error).message}`, 365 * DAY_MS);
  });

  logger.info({ stream: spec.stream, filters, maxInFlight }, "consumer started");
  return {
    name,
    health: () => health.snapshot(),
    async stop() {
      stopping = true;
      batcher.stop();
      clearInterval(pruneTimer);
      await messages.close();
      await pulling;
      await inFlight.idle();
      clearInterval(housekeeping);
      clearInterval(presence);
      await pruned;
      // Messages pulled but not started go back at once instead of waiting out their ack wait.
      for (const message of handBack.splice(0)) message.nak();
      logger.info("consumer stopped");
    },
  };
}
