import { join } from "node:path";
import type { NatsServerHandle, TempDir } from "@shop/shared/testing";
import { asc, sql } from "drizzle-orm";
import type { ContractRegistry } from "../events/event-contract.ts";
import { on } from "../events/on-event.ts";
import type { EventPublisher } from "../events/publisher.ts";
import {
  type FixtureSchema,
  fixtureMigrationsFolder,
  fixtureSchema,
  tallies,
} from "../fixtures/schema.ts";
import { useTestBroker } from "../fixtures/test-broker.ts";
import { noteRecorded, TEST_STREAM, testRegistry } from "../fixtures/test-events.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { createMetrics, type ServiceMetrics } from "../metrics/metrics.ts";
import type { NatsContext } from "../nats/connection.ts";
import { readCheckpoint } from "../store/checkpoints.ts";
import { openStore } from "../store/open-store.ts";
import type { SqliteDb, Store } from "../store/store.ts";
import type {
  ProjectionContext,
  ProjectionDefinition,
  ProjectionTuning,
  RunningProjection,
} from "./projection.ts";
import { startProjection } from "./projection.ts";

/** A projection started by {@link ProjectionTestBed.start}, with its own SQLite file. */
export interface RunningTallies {
  store: Store<FixtureSchema>;
  metrics: ServiceMetrics;
  projection: RunningProjection;
  path: string;
  /** Stops the projection and closes its store; idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** SQLite file name in the bed's temp folder (default `<projection>.db`). */
  file?: string;
  tuning?: Partial<ProjectionTuning>;
  registry?: ContractRegistry;
  logger?: Logger;
}

/** The tallies read model over `test.<name>.>`, with a hook before each application. */
export interface TalliesOptions {
  beforeApply?: (key: string, sequence: number) => void;
  onHandlerFailure?: ProjectionDefinition["onHandlerFailure"];
  dedupeHorizonMs?: number;
  maxLag?: number;
}

/** What a projection test file works with; `server`, `nats` and `publisher` exist once `beforeAll` has run. */
export interface ProjectionTestBed {
  readonly server: NatsServerHandle;
  readonly nats: NatsContext;
  readonly publisher: EventPublisher;
  readonly temp: TempDir;
  talliesProjection(name: string, options?: TalliesOptions): ProjectionDefinition<FixtureSchema>;
  start(
    definition: ProjectionDefinition<FixtureSchema>,
    options?: StartOptions,
  ): Promise<RunningTallies>;
  /** Publishes notes on `test.<name>.<key>` and returns the stored sequences. */
  publishNotes(name: string, notes: [key: string, amount: number][]): Promise<number[]>;
  rowsOf(store: Store<FixtureSchema>): Promise<(typeof tallies.$inferSelect)[]>;
  checkpointOf(store: Store<FixtureSchema>, name: string): Promise<number>;
  /** Consumers on the TEST stream reading `test.<name>.>` (a projection's own). */
  readerConsumers(name: string): Promise<string[]>;
}

/**
 * Registers, in the calling test file, hooks that start a nats-server of its own (with the
 * test topology) before its tests, stop every projection a test started after it, and stop
 * the server and remove the SQLite files after the last test. Raises the default timeout to 30 s.
 */
export function createProjectionTestBed(): ProjectionTestBed {
  const logger = createLogger({ service: "projection-test", level: "silent" });
  const running: RunningTallies[] = [];
  const broker = useTestBroker("projection", logger, async () => {
    for (const r of running.splice(0).reverse()) await r.close();
  });
  const { temp } = broker;

  const bed: ProjectionTestBed = {
    get server() {
      return broker.server;
    },
    get nats() {
      return broker.nats;
    },
    get publisher() {
      return broker.publisher;
    },
    temp,

    talliesProjection: (name, options = {}) => ({
      name,
      stream: TEST_STREAM.name,
      filterSubject: `test.${name}.>`,
      onHandlerFailure: options.onHandlerFailure,
      dedupeHorizonMs: options.dedupeHorizonMs,
      maxLag: options.maxLag,
      handlers: [
        on(noteRecorded, async (event, { tx, position }: ProjectionContext<FixtureSchema>) => {
          options.beforeApply?.(event.data.key, position.sequence);
          await tx
            .insert(tallies)
            .values({ key: event.data.key, total: event.data.amount, applied: 1 })
            .onConflictDoUpdate({
              target: tallies.key,
              set: {
                total: sql`${tallies.total} + ${event.data.amount}`,
                applied: sql`${tallies.applied} + 1`,
              },
            });
        }),
      ],
    }),

    async start(definition, options = {}) {
      const path = join(temp.path, options.file ?? `${definition.name}.db`);
      const store = await openStore({
        url: path,
        schema: fixtureSchema,
        migrationsFolder: fixtureMigrationsFolder,
      });
      const metrics = createMetrics({ service: "projection-test", defaults: false });
      const projection = await startProjection(definition, {
        js: bed.nats.js,
        nc: bed.nats.nc,
        registry: options.registry ?? testRegistry,
        store,
        logger: options.logger ?? logger,
        metrics,
        tuning: options.tuning,
      });
      let closed: Promise<void> | undefined;
      const handle: RunningTallies = {
        store,
        metrics,
        projection,
        path,
        close: () => {
          closed ??= projection.stop().then(() => store.close());
          return closed;
        },
      };
      running.push(handle);
      return handle;
    },

    async publishNotes(name, notes) {
      const sequences: number[] = [];
      for (const [key, amount] of notes) {
        const envelope = bed.publisher.envelope(
          { type: noteRecorded.type, data: { key, amount } },
          {},
        );
        sequences.push((await bed.publisher.publish(`test.${name}.${key}`, envelope)).sequence);
      }
      return sequences;
    },

    rowsOf: (store) => store.read.select().from(tallies).orderBy(asc(tallies.key)),

    checkpointOf: (store, name) =>
      readCheckpoint(store.read as unknown as SqliteDb<Record<string, unknown>>, name),

    async readerConsumers(name) {
      const names: string[] = [];
      for await (const info of bed.nats.jsm.consumers.list(TEST_STREAM.name)) {
        if (info.config.filter_subject === `test.${name}.>`) names.push(info.name);
      }
      return names;
    },
  };
  return bed;
}
