import type { Server } from "bun";
import {
  type AggregateStore,
  type AggregateStoreOptions,
  createAggregateStore,
} from "../aggregates/aggregate-store.ts";
import type { Decider } from "../aggregates/decider.ts";
import type { BaseConfig } from "../config/load-config.ts";
import { consumersReadiness } from "../consumers/consumer-readiness.ts";
import {
  type ConsumerDefinition,
  type RunningConsumer,
  startConsumer,
} from "../consumers/durable-consumer.ts";
import { unavailable } from "../errors/app-error.ts";
import type { ContractRegistry, DomainEvent } from "../events/event-contract.ts";
import { createEventPublisher, type EventPublisher } from "../events/publisher.ts";
import { createHttpApp, type HttpApp } from "../http/create-http-app.ts";
import type { Logger } from "../log/logger.ts";
import { createMetrics, type ServiceMetrics } from "../metrics/metrics.ts";
import { connectNats, type NatsContext } from "../nats/connection.ts";
import { type ConsumerSpec, ensureTopology, type StreamSpec } from "../nats/topology.ts";
import {
  type ProjectionDefinition,
  type RunningProjection,
  startProjection,
} from "../projections/projection.ts";
import { projectionsReadiness } from "../projections/projections-readiness.ts";
import { openStore } from "../store/open-store.ts";
import type { Store } from "../store/store.ts";
import { verifyStreamSource } from "../store/stream-sources.ts";

type Schema = Record<string, unknown>;

export interface ServiceOptions<S extends Schema> {
  name: string;
  config: BaseConfig & { PORT: number };
  logger: Logger;
  schema: S;
  migrationsFolder: string;
  registry: ContractRegistry;
  /** Streams this service writes or reads and the durable consumers it owns. */
  topology: { streams: readonly StreamSpec[]; consumers: readonly ConsumerSpec[] };
  description?: string;
}

/** What a service's wiring function is handed: everything connected, nothing started yet. */
export interface ServiceKit<S extends Schema> {
  logger: Logger;
  metrics: ServiceMetrics;
  store: Store<S>;
  nats: NatsContext;
  publisher: EventPublisher;
  registry: ContractRegistry;
  /** Add routes here; the app starts answering once wiring resolves. */
  app: HttpApp;
  aggregateStore<C, E extends DomainEvent, St>(
    decider: Decider<C, E, St>,
    stream: string,
    options?: Pick<AggregateStoreOptions, "snapshots" | "cacheSize">,
  ): AggregateStore<C, St>;
  project(definition: ProjectionDefinition<S>): Promise<RunningProjection>;
  consume(definition: ConsumerDefinition<S>): Promise<RunningConsumer>;
  /** Runs `task` every `intervalMs` until shutdown; a failing run is logged and the next one still runs. */
  every(intervalMs: number, name: string, task: () => Promise<void>): void;
}

export interface RunningService {
  url: string;
  /** Stops as on SIGTERM and resolves when everything is closed. */
  stop(): Promise<void>;
}

/**
 * Starts a service in the order that keeps it honest: HTTP first (live, not ready), then
 * the store and its migrations, then NATS (waiting for it if it is down) and the topology,
 * then the service's own wiring. Readiness is 503 until all of that is done, while NATS is
 * disconnected, while a projection catches up or is halted, stalled or behind (the reason
 * is named), and from the moment shutdown begins.
 *
 * Shutdown (SIGTERM/SIGINT or `stop()`): stop accepting requests and wait for those in
 * flight, stop consumers (the message in hand is finished and settled), projections and
 * timers, drain NATS, close the database. Exits 0, or 1 if it takes over SHUTDOWN_TIMEOUT_MS.
 */
export async function startService<S extends Schema>(
  options: ServiceOptions<S>,
  wire: (kit: ServiceKit<S>) => Promise<void>,
): Promise<RunningService> {
  const { name, config, logger } = options;
  const metrics = createMetrics({ service: name });
  const state = { store: false, nats: () => false, wired: false, stopping: false };
  const projections: RunningProjection[] = [];
  const consumers: RunningConsumer[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  const readiness = () => ({
    store: state.store,
    nats: state.nats(),
    wired: state.wired,
    projectionsCaughtUp: projectionsReadiness(projections),
    consumers: consumersReadiness(consumers),
    accepting: !state.stopping,
  });
  // Until wiring is done, unknown routes answer 503 + Retry-After: a 404 would look final.
  const bootstrapApp = createHttpApp({
    service: name,
    logger,
    metrics,
    readiness,
    description: options.description,
    starting: true,
  });
  let currentApp: HttpApp = bootstrapApp;
  const server: Server<undefined> = Bun.serve({
    port: config.PORT,
    hostname: config.HOST,
    fetch: (req) => currentApp.fetch(req),
  });
  const url = `http://${config.HOST === "0.0.0.0" ? "127.0.0.1" : config.HOST}:${server.port}`;
  logger.info({ url }, "http listening (not ready yet)");

  let store: Store<S> | undefined;
  let nats: NatsContext | undefined;
  let stopped: Promise<void> | undefined;

  const stop = () => {
    stopped ??= (async () => {
      state.stopping = true;
      logger.info("shutting down");
      await server.stop();
      for (const timer of timers) clearInterval(timer);
      await Promise.all(consumers.map((c) => c.stop()));
      await Promise.all(projections.map((p) => p.stop()));
      await nats?.drain();
      await store?.close();
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      logger.info("stopped");
    })();
    return stopped;
  };

  const onSignal = (signal: string) => {
    logger.info({ signal }, "signal received");
    const watchdog = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "shutdown took too long; exiting");
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    stop().then(
      () => {
        clearTimeout(watchdog);
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);

  const databaseUrl = config.DATABASE_URL ?? `file:${config.DATA_DIR}/${name}.db`;
  store = await openStore({
    url: databaseUrl,
    driver: config.DATABASE_DRIVER,
    authToken: config.DATABASE_AUTH_TOKEN,
    schema: options.schema,
    migrationsFolder: options.migrationsFolder,
  });
  state.store = true;
  logger.info({ database: databaseUrl, driver: store.driver }, "database ready");

  nats = await connectNats({ url: config.NATS_URL, name, logger });
  const natsContext = nats;
  state.nats = natsContext.isConnected;
  await ensureTopology(natsContext.jsm, options.topology);

  const readyStore = store;
  const publisher = createEventPublisher({
    js: natsContext.js,
    nc: natsContext.nc,
    source: `/${name}`,
    registry: options.registry,
  });
  const app = createHttpApp({
    service: name,
    logger,
    metrics,
    readiness,
    description: options.description,
  });
  // Commands need the broker; queries keep answering from the local read models meanwhile.
  app.use(async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !natsContext.isConnected()) {
      throw unavailable("nats.disconnected", "the message broker is unreachable; retry shortly");
    }
    await next();
  });
  const common = {
    js: natsContext.js,
    nc: natsContext.nc,
    registry: options.registry,
    store: readyStore,
    logger,
    metrics,
  };
  await wire({
    logger,
    metrics,
    store: readyStore,
    nats: natsContext,
    publisher,
    registry: options.registry,
    app,
    aggregateStore: (decider, stream, storeOptions) =>
      createAggregateStore(decider, {
        ...storeOptions,
        nats: natsContext,
        publisher,
        registry: options.registry,
        stream,
        logger,
      }),
    project: async (definition) => {
      const { created } = await natsContext.jsm.streams.info(definition.stream);
      await verifyStreamSource(readyStore as Store<Schema>, {
        stream: definition.stream,
        created,
        database: databaseUrl,
      });
      const projection = await startProjection(definition, common);
      projections.push(projection);
      return projection;
    },
    consume: async (definition) => {
      const consumer = await startConsumer(definition, common);
      consumers.push(consumer);
      return consumer;
    },
    every: (intervalMs, taskName, task) => {
      let busy = false;
      timers.push(
        setInterval(() => {
          if (busy || state.stopping) return;
          busy = true;
          task()
            .catch((err) => logger.error({ err, task: taskName }, "periodic task failed"))
            .finally(() => {
              busy = false;
            });
        }, intervalMs),
      );
    },
  });
  currentApp = app;
  state.wired = true;
  logger.info("service wired; ready once projections catch up");
  return { url, stop };
}
