import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { NatsConnection, Status } from "@nats-io/nats-core";
import { AppError } from "../errors/app-error.ts";
import type { ContractRegistry } from "../events/event-contract.ts";
import { indexHandlers } from "../events/on-event.ts";
import type { Logger } from "../log/logger.ts";
import type { ServiceMetrics } from "../metrics/metrics.ts";
import { readCheckpoint } from "../store/checkpoints.ts";
import type { SqliteDb, Store } from "../store/store.ts";
import { DEFAULT_DEDUPE_HORIZON_MS } from "./applied-events.ts";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, pause } from "./backoff.ts";
import { createFailureHooks } from "./failure-hooks.ts";
import { createLagRefresher } from "./lag-refresher.ts";
import { createPositionWaiters } from "./position-waiters.ts";
import type { ProjectionDefinition, RunningProjection } from "./projection-definition.ts";
import {
  DEFAULT_READER_OPTIONS,
  deleteReaderConsumer,
  openReaderSession,
  type ReaderOptions,
  type ReaderSession,
} from "./projection-reader.ts";
import { ProjectionTracker } from "./projection-status.ts";
import { createMessageSelector } from "./select-message.ts";
import { settleBatch } from "./settle-batch.ts";

export type {
  ProjectionContext,
  ProjectionDefinition,
  RunningProjection,
} from "./projection-definition.ts";
export type { ProjectionState, ProjectionStatus } from "./projection-status.ts";
export type { HandlerFailurePolicy } from "./settle-batch.ts";

/** Knobs with sensible defaults; tests shorten them. */
export interface ProjectionTuning {
  /** Most events applied in one transaction (default 500). */
  batchSize: number;
  /** Tries per event before `onHandlerFailure` applies (default 5). */
  handlerAttempts: number;
  /** Pauses between retries and between consumer restarts (default 100 ms doubling to 5 s). */
  backoff: BackoffPolicy;
  /** Failing, or lagging without a commit, this long makes it stalled and not ready (default 10 s). */
  stallAfterMs: number;
  reader: ReaderOptions;
}

export const DEFAULT_PROJECTION_TUNING: ProjectionTuning = {
  batchSize: 500,
  handlerAttempts: 5,
  backoff: DEFAULT_BACKOFF,
  stallAfterMs: 10_000,
  reader: DEFAULT_READER_OPTIONS,
};

/** A session that lasted this long was healthy: the next restart starts the back-off afresh. */
const HEALTHY_SESSION_MS = 10_000;

export interface ProjectionDeps<Schema extends Record<string, unknown>> {
  js: JetStreamClient;
  /** The connection `js` uses: a reconnect makes the projection read again from its checkpoint. */
  nc: NatsConnection;
  registry: ContractRegistry;
  store: Store<Schema>;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Shorthand for `tuning.batchSize`. */
  batchSize?: number;
  tuning?: Partial<ProjectionTuning>;
}

/**
 * Keeps a read model up to date. It reads its stream from the stored checkpoint through an
 * ephemeral consumer of its own, and applies events in stream order, in batches, each batch in
 * one transaction together with the checkpoint and the applied event ids: a crash never
 * applies an event twice, a copy of an event stored again is applied once, and deleting the
 * database rebuilds the same rows.
 *
 * Per message: events of types it has no handler for are skipped by their `ce-type` header
 * before decoding (the checkpoint still passes them); the others are decoded once. Events it
 * cannot apply follow `onHandlerFailure`. Failures back off (no tight loop); a reconnect, a
 * delivery gap or a lost consumer makes it read again from the checkpoint within about a
 * second, deleting the consumer it leaves. `consumer_lag_messages` shows its real lag, and
 * `status()` says when it is halted, stalled or behind.
 */
export async function startProjection<Schema extends Record<string, unknown>>(
  definition: ProjectionDefinition<Schema>,
  deps: ProjectionDeps<Schema>,
): Promise<RunningProjection> {
  const { js, nc, registry, store, metrics } = deps;
  const { name, stream, filterSubject } = definition;
  const tuning = { ...DEFAULT_PROJECTION_TUNING, ...deps.tuning };
  const batchSize = deps.batchSize ?? tuning.batchSize;
  const handlers = indexHandlers(definition.handlers, name);
  const select = createMessageSelector(registry, new Set(handlers.keys()));
  const logger = deps.logger.child({ projection: name });
  const jsm = await js.jetstreamManager(false);
  const position = await readCheckpoint(store.read as SqliteDb<Record<string, unknown>>, name);
  const tracker = new ProjectionTracker({
    position,
    maxLag: definition.maxLag ?? 10_000,
    stallAfterMs: tuning.stallAfterMs,
  });
  const waiters = createPositionWaiters(name, () => tracker.position);
  const stopping = new AbortController();
  let wake = new AbortController();
  let session: ReaderSession | undefined;
  let connected = !nc.isClosed();
  const leftovers = new Set<string>();

  const lag = createLagRefresher({
    jsm,
    tracker,
    name,
    stream,
    filterSubject,
    isConnected: () => connected,
    session: () => session,
  });
  metrics.trackLag(name, async () => {
    await lag.refresh();
    return tracker.lag();
  });

  const statuses = nc.status() as AsyncIterable<Status> & { stop?: () => void };
  void (async () => {
    for await (const status of statuses) {
      if (status.type === "disconnect") connected = false;
      if (status.type === "reconnect") {
        connected = true;
        session?.end("reconnected to the broker");
        wake.abort();
      }
    }
  })().catch((err) => logger.error({ err }, "projection stopped watching the connection"));

  const hooks = createFailureHooks({
    js,
    name,
    stream,
    metrics,
    logger,
    tracker,
    onHalt(reason) {
      waiters.halted(reason);
      session?.end("halted");
    },
  });
  const settleContext = {
    target: {
      name,
      stream,
      handlers,
      store,
      dedupeHorizonMs: definition.dedupeHorizonMs ?? DEFAULT_DEDUPE_HORIZON_MS,
    },
    select,
    policy: definition.onHandlerFailure ?? "dead-letter",
    attempts: tuning.handlerAttempts,
    backoff: tuning.backoff,
    signal: stopping.signal,
    deadLetter: hooks.deadLetter,
    failed: hooks.failed,
  };

  async function consume(current: ReaderSession): Promise<boolean> {
    let batch: JsMsg[] = [];
    let progressed = false;
    for await (const message of current.messages()) {
      tracker.delivered(message.info.pending);
      batch.push(message);
      // Flush when full, or when nothing more is stored or buffered for us right now: waiting
      // for another message that may never come would leave this batch unapplied.
      if (batch.length < batchSize && message.info.pending > 0 && current.buffered() > 0) continue;
      while (batch.length > 0) {
        const timer = metrics.handlerDuration.startTimer({ consumer: name });
        const { committed, haltAt } = await settleBatch(settleContext, batch);
        timer();
        if (committed) {
          tracker.committed(committed.messages, committed.lastSequence);
          waiters.advanced(committed.lastSequence);
          metrics.handled.inc({ consumer: name, type: "batch" });
          progressed = true;
        }
        if (haltAt) hooks.halt(haltAt);
        if (!committed || haltAt) return progressed;
        batch = batch.slice(committed.messages);
      }
    }
    return progressed;
  }

  async function removeLeftovers() {
    for (const consumerName of leftovers) {
      if (connected && (await deleteReaderConsumer(jsm, stream, consumerName)))
        leftovers.delete(consumerName);
    }
  }

  const running = (async () => {
    let restarts = 0;
    while (!stopping.signal.aborted && !tracker.halted) {
      wake = new AbortController();
      let endedBecause: string | undefined;
      try {
        await removeLeftovers();
        session = await openReaderSession({
          js,
          jsm,
          stream,
          filterSubject,
          after: tracker.position,
          label: name,
          options: tuning.reader,
        });
        tracker.sessionOpened(session.pendingAtOpen);
        const openedAt = Date.now();
        const progressed = !stopping.signal.aborted && (await consume(session));
        // Back-off grows only while sessions keep ending without doing anything for long.
        if (progressed || Date.now() - openedAt >= HEALTHY_SESSION_MS) restarts = 0;
        endedBecause = session.endReason();
      } catch (err) {
        const code = err instanceof AppError ? err.code : "projection.read-failed";
        metrics.failed.inc({ consumer: name, type: "read", code });
        tracker.failing(`cannot read ${stream}: ${(err as Error).message}`);
        endedBecause = (err as Error).message;
      } finally {
        const ended = session;
        session = undefined;
        if (ended) {
          if (tracker.halted) await lag.refresh();
          await ended.stop();
          if (!connected || !(await deleteReaderConsumer(jsm, stream, ended.consumerName)))
            leftovers.add(ended.consumerName);
        }
      }
      if (stopping.signal.aborted || tracker.halted) break;
      restarts += 1;
      const delayMs = backoffDelay(restarts, tuning.backoff);
      logger.info(
        { reason: endedBecause, delayMs, from: tracker.position },
        "reading again from the checkpoint",
      );
      await pause(delayMs, AbortSignal.any([stopping.signal, wake.signal]));
    }
  })();

  logger.info({ stream, filter: filterSubject, from: position }, "projection started");
  return {
    name,
    position: () => tracker.position,
    caughtUp: () => tracker.caughtUp,
    status() {
      lag.refreshSoon();
      return tracker.status();
    },
    waitFor: (sequence, timeoutMs = 5_000) => waiters.wait(sequence, timeoutMs),
    async stop() {
      stopping.abort();
      session?.end("stopping");
      await running;
      statuses.stop?.();
      tracker.stop();
      logger.info({ position: tracker.position }, "projection stopped");
    },
  };
}
