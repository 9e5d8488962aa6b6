/**
 * Projection throughput: N events published to a harness nats-server, then a projection
 * applies them into SQLite (upsert per event, 500 per transaction), per store driver.
 */

import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import {
  createContractRegistry,
  createEventPublisher,
  createLogger,
  createMetrics,
  defineEvent,
  ensureStream,
  on,
  openStore,
  type ProjectionContext,
  prepared,
  type SqliteDb,
  startProjection,
} from "@shop/shared/kit";
import { createTempDir, startNatsServer, waitUntil } from "@shop/shared/testing";
import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { z } from "zod";

const counters = sqliteTable("counters", {
  id: text("id").primaryKey(),
  value: integer("value").notNull(),
});
const counted = defineEvent("bench.counted", z.object({ id: z.string(), by: z.number().int() }));
const registry = createContractRegistry([counted]);
type Schema = { counters: typeof counters };

const upsert = (db: SqliteDb<Schema>, values: { id: unknown; value: unknown }) =>
  db
    .insert(counters)
    .values(values as { id: string; value: number })
    .onConflictDoUpdate({ target: counters.id, set: { value: sql`value + excluded.value` } });
const preparedUpsert = prepared((db: SqliteDb<Schema>) =>
  upsert(db, { id: sql.placeholder("id"), value: sql.placeholder("by") }).prepare(),
);

export async function benchProjection(events: number) {
  const nats = await startNatsServer();
  const dir = createTempDir("bench-projection-");
  const nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  await ensureStream(await jetstreamManager(nc), {
    name: "BENCH",
    subjects: ["bench.>"],
    description: "bench",
  });
  const publisher = createEventPublisher({ js, source: "/bench" });
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < events; i++) {
    inFlight.push(
      publisher.publish(
        `bench.c${i % 1000}`,
        publisher.envelope({ type: "bench.counted", data: { id: `c${i % 1000}`, by: 1 } }, {}),
      ),
    );
    if (inFlight.length >= 1000) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);

  const results: { driver: string; statements: string; eventsPerSecond: number }[] = [];
  const variants = [
    ["bun-sqlite", "prepared"],
    ["bun-sqlite", "unprepared"],
    ["libsql", "prepared"],
    ["libsql", "unprepared"],
  ] as const;
  for (const [driver, statements] of variants) {
    const store = await openStore({
      url: join(dir.path, `${driver}-${statements}.db`),
      driver,
      schema: { counters },
      migrationsFolder: join(import.meta.dir, "fixtures"),
    });
    const started = performance.now();
    const projection = await startProjection(
      {
        name: "bench",
        stream: "BENCH",
        filterSubject: "bench.>",
        handlers: [
          on(counted, async (event, { tx }: ProjectionContext<Schema>) => {
            const { id, by } = event.data;
            await (statements === "prepared"
              ? preparedUpsert(tx).run({ id, by })
              : upsert(tx, { id, value: by }));
          }),
        ],
      },
      {
        js,
        nc,
        registry,
        store,
        logger: createLogger({ service: "bench", level: process.env.BENCH_LOG_LEVEL ?? "silent" }),
        metrics: createMetrics({ service: "bench", defaults: false }),
      },
    );
    await waitUntil(() => projection.position() >= events, {
      timeoutMs: 300_000,
      intervalMs: 20,
      message: "projection caught up",
    });
    const seconds = (performance.now() - started) / 1000;
    await projection.stop();
    await store.close();
    results.push({ driver, statements, eventsPerSecond: Math.round(events / seconds) });
  }
  await nc.close();
  await nats.cleanup();
  dir.cleanup();
  return results;
}
