import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  setDefaultTimeout,
  test,
} from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  createTempDir,
  type NatsServerHandle,
  startNatsServer,
  type TempDir,
  waitUntil,
} from "@shop/shared/testing";
import { asc, sql } from "drizzle-orm";
import { encodeEvent } from "../events/codec.ts";
import { on } from "../events/on-event.ts";
import { createEventPublisher, type EventPublisher } from "../events/publisher.ts";
import { counterValue } from "../fixtures/metric-value.ts";
import {
  type FixtureSchema,
  fixtureMigrationsFolder,
  fixtureSchema,
  tallies,
} from "../fixtures/schema.ts";
import {
  noteRecorded,
  readDeadLetters,
  TEST_STREAM,
  testRegistry,
  testTopology,
} from "../fixtures/test-events.ts";
import { createLogger } from "../log/logger.ts";
import { createMetrics, type ServiceMetrics } from "../metrics/metrics.ts";
import { connectNats, type NatsContext } from "../nats/connection.ts";
import { ensureTopology } from "../nats/topology.ts";
import { readCheckpoint } from "../store/checkpoints.ts";
import { openStore } from "../store/open-store.ts";
import type { SqliteDb, Store } from "../store/store.ts";
import {
  type ProjectionContext,
  type ProjectionDefinition,
  type RunningProjection,
  startProjection,
} from "./projection.ts";

setDefaultTimeout(30_000);

const logger = createLogger({ service: "projection-test", level: "silent" });

let server: NatsServerHandle;
let nats: NatsContext;
let publisher: EventPublisher;
const temp: TempDir = createTempDir("kit-projection");

beforeAll(async () => {
  server = await startNatsServer();
  nats = await connectNats({ url: server.url, name: "projection-test", logger });
  await ensureTopology(nats.jsm, testTopology());
  publisher = createEventPublisher({ js: nats.js, source: "/projection-test" });
});

afterAll(async () => {
  await nats?.drain();
  await server?.cleanup();
  await temp.cleanup();
});

/** The tallies read model over `test.<name>.>`: per key, the sum of amounts and how often it was applied. */
function talliesProjection(
  name: string,
  beforeApply?: (sequence: number) => void,
): ProjectionDefinition<FixtureSchema> {
  return {
    name,
    stream: TEST_STREAM.name,
    filterSubject: `test.${name}.>`,
    handlers: [
      on(noteRecorded, async (event, { tx, position }: ProjectionContext<FixtureSchema>) => {
        beforeApply?.(position.sequence);
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
  };
}

interface Running {
  store: Store<FixtureSchema>;
  metrics: ServiceMetrics;
  projection: RunningProjection;
  close(): Promise<void>;
}
const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.close();
});

async function start(
  definition: ProjectionDefinition<FixtureSchema>,
  path: string,
  batchSize?: number,
): Promise<Running> {
  const store = await openStore({
    url: path,
    schema: fixtureSchema,
    migrationsFolder: fixtureMigrationsFolder,
  });
  const metrics = createMetrics({ service: "projection-test", defaults: false });
  const projection = await startProjection(definition, {
    js: nats.js,
    nc: nats.nc,
    registry: testRegistry,
    store,
    logger,
    metrics,
    ...(batchSize === undefined ? {} : { batchSize }),
  });
  let closed: Promise<void> | undefined;
  const handle: Running = {
    store,
    metrics,
    projection,
    close: () => {
      closed ??= projection.stop().then(() => store.close());
      return closed;
    },
  };
  running.push(handle);
  return handle;
}

const rowsOf = (store: Store<FixtureSchema>) =>
  store.read.select().from(tallies).orderBy(asc(tallies.key));

const checkpointOf = (store: Store<FixtureSchema>, name: string) =>
  readCheckpoint(store.read as unknown as SqliteDb<Record<string, unknown>>, name);

/** Publishes notes on `test.<name>.<key>` and returns the last stored sequence. */
async function publishNotes(name: string, notes: [key: string, amount: number][]) {
  let last = 0;
  for (const [key, amount] of notes) {
    const envelope = publisher.envelope({ type: noteRecorded.type, data: { key, amount } }, {});
    last = (await publisher.publish(`test.${name}.${key}`, envelope)).sequence;
  }
  return last;
}

/** What the read model must hold after `notes`, computed independently of the kit. */
function expectedRows(notes: [string, number][]) {
  const byKey = new Map<string, { key: string; total: number; applied: number }>();
  for (const [key, amount] of notes) {
    const row = byKey.get(key) ?? { key, total: 0, applied: 0 };
    row.total += amount;
    row.applied += 1;
    byKey.set(key, row);
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

const someNotes = (round: number, count: number): [string, number][] =>
  Array.from({ length: count }, (_, i) => [`k${(i * 7 + round) % 4}`, round * 100 + i]);

describe("building a read model", () => {
  test("rows built while events arrive equal the rows rebuilt from scratch", async () => {
    const name = "rebuild";
    const path = join(temp.path, `${name}.db`);
    const live = await start(talliesProjection(name), path);

    const published: [string, number][] = [];
    let last = 0;
    for (let round = 1; round <= 3; round++) {
      const notes = someNotes(round, 10);
      last = await publishNotes(name, notes);
      published.push(...notes);
      await live.projection.waitFor(last);
      expect(await rowsOf(live.store)).toEqual(expectedRows(published));
    }
    const built = await rowsOf(live.store);
    expect(await checkpointOf(live.store, name)).toBe(last);
    await live.close();

    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
    const rebuilt = await start(talliesProjection(name), path);
    expect(rebuilt.projection.position()).toBe(0);
    await rebuilt.projection.waitFor(last);
    expect(await rowsOf(rebuilt.store)).toEqual(built);
    expect(await checkpointOf(rebuilt.store, name)).toBe(last);
  });

  test("small batches build the same rows as one large batch", async () => {
    const name = "batches";
    const notes = someNotes(5, 25);
    const last = await publishNotes(name, notes);
    const small = await start(talliesProjection(name), join(temp.path, "batches-small.db"), 3);
    const large = await start(talliesProjection(name), join(temp.path, "batches-large.db"));
    await Promise.all([small.projection.waitFor(last), large.projection.waitFor(last)]);
    expect(await rowsOf(small.store)).toEqual(expectedRows(notes));
    expect(await rowsOf(large.store)).toEqual(await rowsOf(small.store));
  });

  test("applies the last partial batch of a large backlog without waiting for another event", async () => {
    const name = "backlog";
    const notes = someNotes(7, 20_000);
    const inFlight = notes.map(([key, amount]) =>
      publisher.publish(
        `test.${name}.${key}`,
        publisher.envelope({ type: noteRecorded.type, data: { key, amount } }, {}),
      ),
    );
    const last = Math.max(...(await Promise.all(inFlight)).map((r) => r.sequence));
    const { projection, store } = await start(
      talliesProjection(name),
      join(temp.path, `${name}.db`),
      500,
    );
    await projection.waitFor(last, 20_000);
    expect(await rowsOf(store)).toEqual(expectedRows(notes));
  });

  test("reports caught up once it applied what was stored when it started", async () => {
    const name = "catchup";
    const last = await publishNotes(name, someNotes(1, 20));
    const { projection } = await start(talliesProjection(name), join(temp.path, `${name}.db`));
    await waitUntil(() => projection.caughtUp(), { message: "the projection to catch up" });
    expect(projection.position()).toBe(last);
  });
});

describe("waitFor", () => {
  test("resolves once the event is applied, so the next read sees it", async () => {
    const name = "wait";
    const { projection, store } = await start(talliesProjection(name), join(temp.path, "wait.db"));
    for (let i = 1; i <= 5; i++) {
      const sequence = await publishNotes(name, [[`w${i}`, i]]);
      await projection.waitFor(sequence);
      expect(projection.position()).toBeGreaterThanOrEqual(sequence);
      const rows = await rowsOf(store);
      expect(rows.find((r) => r.key === `w${i}`)).toEqual({ key: `w${i}`, total: i, applied: 1 });
    }
  });

  test("resolves at once for a sequence already applied", async () => {
    const name = "wait-past";
    const { projection } = await start(talliesProjection(name), join(temp.path, `${name}.db`));
    const sequence = await publishNotes(name, [["p", 1]]);
    await projection.waitFor(sequence);
    const startedAt = performance.now();
    await projection.waitFor(sequence - 1, 1);
    expect(performance.now() - startedAt).toBeLessThan(50);
  });

  test("rejects with projection.behind when the sequence is not applied in time", async () => {
    const name = "wait-never";
    const { projection } = await start(talliesProjection(name), join(temp.path, `${name}.db`));
    const startedAt = performance.now();
    await expect(projection.waitFor(1_000_000, 200)).rejects.toMatchObject({
      kind: "unavailable",
      code: "projection.behind",
    });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(190);
  });
});

describe("restarts", () => {
  test("the checkpoint survives a restart: nothing is applied twice", async () => {
    const name = "restart";
    const path = join(temp.path, `${name}.db`);
    const first = await start(talliesProjection(name), path);
    const before = someNotes(2, 12);
    const lastBefore = await publishNotes(name, before);
    await first.projection.waitFor(lastBefore);
    await first.close();

    const applied: number[] = [];
    const second = await start(
      talliesProjection(name, (sequence) => applied.push(sequence)),
      path,
    );
    expect(second.projection.position()).toBe(lastBefore);
    const after: [string, number][] = [
      ["k0", 1],
      ["new", 5],
    ];
    const lastAfter = await publishNotes(name, after);
    await second.projection.waitFor(lastAfter);

    expect(applied).toHaveLength(2);
    expect(applied.every((sequence) => sequence > lastBefore)).toBe(true);
    expect(await rowsOf(second.store)).toEqual(expectedRows([...before, ...after]));
    expect(await checkpointOf(second.store, name)).toBe(lastAfter);
  });

  test("a failing batch rolls back and is applied again from the checkpoint", async () => {
    const name = "retry";
    let failures = 0;
    const flaky = talliesProjection(name, () => {
      if (failures === 0) {
        failures += 1;
        throw new Error("disk hiccup");
      }
    });
    const { projection, store, metrics } = await start(flaky, join(temp.path, `${name}.db`));
    const notes: [string, number][] = [
      ["r", 1],
      ["r", 2],
    ];
    const last = await publishNotes(name, notes);
    await projection.waitFor(last, 10_000);
    expect(failures).toBe(1);
    expect(await rowsOf(store)).toEqual(expectedRows(notes));
    expect(await counterValue(metrics.failed, { consumer: name })).toBe(1);
  });
});

describe("poison messages", () => {
  test("an undecodable message is dead-lettered and skipped; later events still apply", async () => {
    const name = "poison";
    const { projection, store, metrics } = await start(
      talliesProjection(name),
      join(temp.path, `${name}.db`),
    );
    await publishNotes(name, [["good", 1]]);
    const garbage = await nats.js.publish(`test.${name}.garbage`, "%%% not json");
    const invalid = encodeEvent(
      publisher.envelope({ type: noteRecorded.type, data: { key: "bad", amount: "many" } }, {}),
    );
    const invalidAck = await nats.js.publish(`test.${name}.invalid`, invalid.payload, {
      headers: invalid.headers,
    });
    const last = await publishNotes(name, [
      ["good", 2],
      ["later", 3],
    ]);

    await projection.waitFor(last);
    expect(await rowsOf(store)).toEqual([
      { key: "good", total: 3, applied: 2 },
      { key: "later", total: 3, applied: 1 },
    ]);
    expect(await checkpointOf(store, name)).toBe(last);

    const letters = await readDeadLetters(nats, name, 2);
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({
      consumer: name,
      stream: TEST_STREAM.name,
      subject: `test.${name}.garbage`,
      streamSequence: garbage.seq,
      code: "event.malformed",
      payload: "%%% not json",
    });
    expect(letters[1]).toMatchObject({
      subject: `test.${name}.invalid`,
      streamSequence: invalidAck.seq,
      code: "event.invalid-data",
    });
    expect(await counterValue(metrics.deadLettered, { consumer: name })).toBe(2);
  });
});
