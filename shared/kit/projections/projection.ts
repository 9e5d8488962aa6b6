import { DeliverPolicy, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { publishDeadLetter } from "../consumers/dead-letter.ts";
import { AppError, unavailable } from "../errors/app-error.ts";
import type { EventEnvelope, StreamPosition } from "../events/cloud-event.ts";
import { decodeEvent } from "../events/codec.ts";
import type { ContractRegistry } from "../events/event-contract.ts";
import { type EventHandler, indexHandlers } from "../events/on-event.ts";
import type { Logger } from "../log/logger.ts";
import type { ServiceMetrics } from "../metrics/metrics.ts";
import { readCheckpoint, saveCheckpoint } from "../store/checkpoints.ts";
import type { SqliteDb, Store } from "../store/store.ts";

/** What a projection's handler receives besides the event. */
export interface ProjectionContext<
  Schema extends Record<string, unknown> = Record<string, unknown>,
> {
  tx: SqliteDb<Schema>;
  position: StreamPosition;
}

/** A read model fed from one stream: its name is also its checkpoint's name. */
export interface ProjectionDefinition<
  Schema extends Record<string, unknown> = Record<string, unknown>,
> {
  name: string;
  stream: string;
  filterSubject: string;
  handlers: readonly EventHandler<ProjectionContext<Schema>>[];
}

export interface RunningProjection {
  readonly name: string;
  /** Stream sequence applied and committed so far. */
  position(): number;
  /** True once the projection has applied everything that was in the stream when it started. */
  caughtUp(): boolean;
  /** Resolves once `sequence` is applied (read-your-writes); AppError `unavailable` after `timeoutMs`. */
  waitFor(sequence: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ProjectionDeps<Schema extends Record<string, unknown>> {
  js: JetStreamClient;
  registry: ContractRegistry;
  store: Store<Schema>;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Most events applied in one transaction (default 500). */
  batchSize?: number;
}

const RESTART_DELAY_MS = 1_000;

/**
 * Keeps a read model up to date from an ordered consumer starting after the stored
 * checkpoint. Events are applied in stream order, in batches, each batch in one
 * transaction together with the new checkpoint, so a crash never applies an event twice
 * and deleting the database rebuilds the same rows. Events that cannot be decoded are
 * dead-lettered (before the checkpoint passes them) and skipped; a failing batch rolls back and
 * is retried from the checkpoint.
 */
export async function startProjection<Schema extends Record<string, unknown>>(
  definition: ProjectionDefinition<Schema>,
  { js, registry, store, logger: baseLogger, metrics, batchSize = 500 }: ProjectionDeps<Schema>,
): Promise<RunningProjection> {
  const { name, stream, filterSubject } = definition;
  const handlers = indexHandlers(definition.handlers, name);
  const logger = baseLogger.child({ projection: name });
  let position = await readCheckpoint(store.read as SqliteDb<Record<string, unknown>>, name);
  let pending = Number.NaN;
  let isCaughtUp = false;
  let stopping = false;
  let closeCurrent: (() => Promise<unknown>) | undefined;
  const waiters = new Set<{ sequence: number; resolve: () => void }>();
  metrics.trackLag(name, () => (Number.isNaN(pending) ? 0 : pending));

  function advanced(to: number, remaining: number) {
    position = to;
    pending = remaining;
    if (remaining === 0) isCaughtUp = true;
    for (const waiter of waiters) {
      if (waiter.sequence <= position) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  async function applyBatch(batch: JsMsg[]) {
    const decoded: { message: JsMsg; event: EventEnvelope }[] = [];
    for (const message of batch) {
      try {
        decoded.push({ message, event: decodeEvent(registry, message) });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        // Stored before the checkpoint passes it: if this fails, the batch is retried, not skipped silently.
        await publishDeadLetter(js, message, {
          stream,
          consumer: name,
          reason: err.message,
          code: err.code,
          deliveries: 1,
        });
        metrics.deadLettered.inc({ consumer: name, code: err.code });
        logger.warn(
          { sequence: message.seq, code: err.code, reason: err.message },
          "dead-lettered and skipped an undecodable event",
        );
      }
    }
    const last = batch.at(-1) as JsMsg;
    await store.write(async (tx) => {
      for (const { message, event } of decoded) {
        const handler = handlers.get(event.type);
        if (handler)
          await handler.handle(event, {
            tx,
            position: { stream, subject: message.subject, sequence: message.seq },
          });
      }
      await saveCheckpoint(tx as SqliteDb<Record<string, unknown>>, name, last.seq);
    });
    advanced(last.seq, last.info.pending);
  }

  async function runOnce() {
    const consumer = await js.consumers.get(stream, {
      filter_subjects: filterSubject,
      ...(position > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: position + 1 }
        : { deliver_policy: DeliverPolicy.All }),
    });
    const info = await consumer.info(true);
    if (info.num_pending === 0) advanced(position, 0);
    const messages = await consumer.consume({ max_messages: 1_000 });
    closeCurrent = () => messages.close();
    let batch: JsMsg[] = [];
    for await (const message of messages) {
      batch.push(message);
      // Flush when the batch is full, or when nothing more is stored for us right now
      // (`info.pending` is the server's count after this message): waiting for another
      // message that may never come would leave this batch unapplied.
      if (batch.length >= batchSize || message.info.pending === 0 || messages.getPending() === 0) {
        const applying = batch;
        batch = [];
        const timer = metrics.handlerDuration.startTimer({ consumer: name });
        await applyBatch(applying);
        timer();
        metrics.handled.inc({ consumer: name, type: "batch" });
      }
      if (stopping) break;
    }
    await messages.close();
  }

  const running = (async () => {
    while (!stopping) {
      try {
        await runOnce();
      } catch (err) {
        if (stopping) break;
        metrics.failed.inc({
          consumer: name,
          type: "batch",
          code: err instanceof AppError ? err.code : "projection.failed",
        });
        logger.error({ err, position }, "projection failed; restarting from its checkpoint");
        await Bun.sleep(RESTART_DELAY_MS);
      }
    }
  })();

  logger.info({ stream, filter: filterSubject, from: position }, "projection started");
  return {
    name,
    position: () => position,
    caughtUp: () => isCaughtUp,
    waitFor(sequence, timeoutMs = 5_000) {
      if (sequence <= position) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          sequence,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            unavailable(
              "projection.behind",
              `${name} has not applied sequence ${sequence} within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async stop() {
      stopping = true;
      await closeCurrent?.();
      await running;
    },
  };
}
