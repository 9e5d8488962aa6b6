import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { AppError, isPermanent } from "../errors/app-error.ts";
import type { EventEnvelope, StreamPosition } from "../events/cloud-event.ts";
import { decodeEvent } from "../events/codec.ts";
import type { ContractRegistry } from "../events/event-contract.ts";
import { type EventHandler, indexHandlers } from "../events/on-event.ts";
import { eventLogger, type Logger } from "../log/logger.ts";
import type { ServiceMetrics } from "../metrics/metrics.ts";
import {
  type ConsumerSpec,
  DEFAULT_MAX_DELIVER,
  DEFAULT_RETRY_DELAYS_MS,
} from "../nats/topology.ts";
import { markProcessed, wasProcessed } from "../store/processed-events.ts";
import type { SqliteDb, Store } from "../store/store.ts";
import { publishDeadLetter } from "./dead-letter.ts";

/** What every consumer handler receives besides the event. */
export interface MessageContext {
  position: StreamPosition;
  /** 1 on first delivery. */
  deliveries: number;
  logger: Logger;
}

/** What a handler with database effects receives: the transaction that also records the event as processed. */
export interface ConsumerContext<Schema extends Record<string, unknown> = Record<string, unknown>>
  extends MessageContext {
  tx: SqliteDb<Schema>;
}

/**
 * A durable consumer and its handlers, by event type; events of other types (with a
 * contract) are acknowledged and skipped. `effects` says where handlers write:
 * - `"database"` (default): through `tx`, committed with the idempotency record.
 * - `"events"`: by appending to aggregates, idempotent by decision. The handler runs outside
 *   any SQLite transaction, so its network round trips do not hold the service's single
 *   writer; the idempotency record is written after it succeeds.
 */
export type ConsumerDefinition<Schema extends Record<string, unknown> = Record<string, unknown>> =
  | {
      spec: ConsumerSpec;
      effects?: "database";
      handlers: readonly EventHandler<ConsumerContext<Schema>>[];
    }
  | { spec: ConsumerSpec; effects: "events"; handlers: readonly EventHandler<MessageContext>[] };

export interface RunningConsumer {
  readonly name: string;
  /** Stops pulling, lets the message in hand finish and settle, and returns. */
  stop(): Promise<void>;
}

export interface ConsumerDeps<Schema extends Record<string, unknown>> {
  js: JetStreamClient;
  registry: ContractRegistry;
  store: Store<Schema>;
  logger: Logger;
  metrics: ServiceMetrics;
}

/**
 * Runs a durable pull consumer, one message at a time, in stream order.
 *
 * Settlement: the handler's effects and the consumer's idempotency record are durable before
 * the message is acked (see `effects`), so a redelivered event changes nothing.
 * A malformed or schema-invalid event, or a handler failing with a permanent AppError
 * (validation, not-found, conflict, forbidden), is dead-lettered with its reason and
 * terminated. Any other failure is retried with `nak(delay)` on a growing schedule and
 * dead-lettered once the last delivery (`maxDeliver`) fails too. If the dead-letter cannot
 * be stored, the message is nak'ed and kept.
 */
export async function startConsumer<Schema extends Record<string, unknown>>(
  definition: ConsumerDefinition<Schema>,
  { js, registry, store, logger: baseLogger, metrics }: ConsumerDeps<Schema>,
): Promise<RunningConsumer> {
  const { spec } = definition;
  const name = spec.durable;
  const handlers = indexHandlers<ConsumerContext<Schema>>(definition.handlers, name);
  const maxDeliver = spec.maxDeliver ?? DEFAULT_MAX_DELIVER;
  const delays = spec.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const logger = baseLogger.child({ consumer: name });
  const consumer = await js.consumers.get(spec.stream, name);
  metrics.trackLag(name, async () => {
    const info = await consumer.info();
    return info.num_pending + info.num_ack_pending;
  });

  async function deadLetter(message: JsMsg, err: AppError | Error, code: string, log: Logger) {
    const deliveries = message.info.deliveryCount;
    try {
      await publishDeadLetter(js, message, {
        stream: spec.stream,
        consumer: name,
        reason: err.message,
        code,
        deliveries,
      });
    } catch (publishErr) {
      log.error({ err: publishErr }, "could not store the dead letter; keeping the message");
      message.nak(delays[0]);
      return;
    }
    message.term();
    metrics.deadLettered.inc({ consumer: name, code });
    log.warn({ code, reason: err.message, deliveries }, "dead-lettered");
  }

  async function handleOutsideTransaction(handle: () => Promise<void> | void, eventId: string) {
    if (await wasProcessed(store.read as SqliteDb<Record<string, unknown>>, name, eventId))
      return true;
    await handle();
    await store.write((tx) => markProcessed(tx, name, eventId));
    return false;
  }

  async function handleMessage(message: JsMsg) {
    const deliveries = message.info.deliveryCount;
    const position = { stream: spec.stream, subject: message.subject, sequence: message.seq };
    let event: EventEnvelope;
    try {
      event = decodeEvent(registry, message);
    } catch (err) {
      const code = err instanceof AppError ? err.code : "event.undecodable";
      return deadLetter(
        message,
        err as Error,
        code,
        logger.child({ sequence: message.seq, subject: message.subject }),
      );
    }
    const log = eventLogger(
      logger,
      { eventId: event.id, eventType: event.type, correlationId: event.correlationId },
      { sequence: message.seq, deliveries },
    );
    if (deliveries > maxDeliver) {
      // Its dead-lettering failed on the last delivery: try that again, without the handler.
      const reason = new Error(`still failing after ${maxDeliver} deliveries`);
      return deadLetter(message, reason, "handler.exhausted", log);
    }
    const handler = handlers.get(event.type);
    if (!handler) {
      message.ack();
      return;
    }
    try {
      const context = { position, deliveries, logger: log };
      const duplicate =
        definition.effects === "events"
          ? await handleOutsideTransaction(
              () => handler.handle(event, context as ConsumerContext<Schema>),
              event.id,
            )
          : await store.write(async (tx) => {
              if (await wasProcessed(tx, name, event.id)) return true;
              await handler.handle(event, { ...context, tx });
              await markProcessed(tx, name, event.id);
              return false;
            });
      message.ack();
      metrics.handled.inc({ consumer: name, type: event.type });
      log.debug({ duplicate }, duplicate ? "already handled; acknowledged again" : "handled");
    } catch (err) {
      const code = err instanceof AppError ? err.code : "handler.failed";
      metrics.failed.inc({ consumer: name, type: event.type, code });
      if (isPermanent(err)) return deadLetter(message, err, code, log);
      if (deliveries >= maxDeliver) {
        const reason = new Error(
          `still failing after ${deliveries} deliveries: ${(err as Error).message}`,
        );
        return deadLetter(message, reason, code, log);
      }
      const delay = delays[Math.min(deliveries - 1, delays.length - 1)] ?? 1_000;
      log.warn({ err, delayMs: delay }, "handler failed; will retry");
      message.nak(delay);
    }
  }

  let stopping = false;
  const handBack: JsMsg[] = [];
  // A small prefetch: messages wait in the buffer one handler at a time, and ack_wait runs meanwhile.
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 16 });
  (async () => {
    for await (const status of messages.status()) logger.debug({ status }, "consumer status");
  })().catch(() => undefined);
  const running = (async () => {
    for await (const message of messages) {
      // Pulled but not started when we stop: handed back once the pull is closed (see stop()).
      if (stopping) {
        handBack.push(message);
        continue;
      }
      const timer = metrics.handlerDuration.startTimer({ consumer: name });
      try {
        // It may have waited in the buffer: restart its ack_wait before handling it.
        message.working();
        await handleMessage(message);
      } catch (err) {
        logger.error(
          { err, sequence: message.seq },
          "could not settle message; it will be redelivered",
        );
      } finally {
        timer();
      }
    }
  })();

  logger.info({ stream: spec.stream, filter: spec.filterSubject }, "consumer started");
  return {
    name,
    async stop() {
      stopping = true;
      await messages.close();
      await running;
      // Nak'ed messages go back at once instead of waiting out ack_wait.
      for (const message of handBack.splice(0)) message.nak();
      logger.info("consumer stopped");
    },
  };
}
