import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  setDefaultTimeout,
  test,
} from "bun:test";
import { join } from "node:path";
import {
  createTempDir,
  type NatsServerHandle,
  startNatsServer,
  type TempDir,
  waitUntil,
} from "@shop/shared/testing";
import { eq, sql } from "drizzle-orm";
import { conflict, notFound, unavailable, validationError } from "../errors/app-error.ts";
import { encodeEvent } from "../events/codec.ts";
import { type EventHandler, on } from "../events/on-event.ts";
import { createEventPublisher, type EventPublisher } from "../events/publisher.ts";
import { counterValue } from "../fixtures/metric-value.ts";
import {
  type FixtureSchema,
  fixtureMigrationsFolder,
  fixtureSchema,
  receivedEvents,
  tallies,
} from "../fixtures/schema.ts";
import {
  noteRecorded,
  readDeadLetters,
  testConsumer,
  testRegistry,
  testTopology,
} from "../fixtures/test-events.ts";
import { createLogger } from "../log/logger.ts";
import { createMetrics, type ServiceMetrics } from "../metrics/metrics.ts";
import { connectNats, type NatsContext } from "../nats/connection.ts";
import { type ConsumerSpec, ensureTopology } from "../nats/topology.ts";
import { openStore } from "../store/open-store.ts";
import type { Store } from "../store/store.ts";
import { DEAD_LETTER_STREAM, deadLetterSubject } from "./dead-letter.ts";
import { type ConsumerContext, startConsumer } from "./durable-consumer.ts";

type Context = ConsumerContext<FixtureSchema>;
type Handler = EventHandler<Context>;

setDefaultTimeout(30_000);

const logger = createLogger({ service: "consumer-test", level: "silent" });
const encoder = new TextEncoder();

let server: NatsServerHandle;
let nats: NatsContext;
let publisher: EventPublisher;
const temp: TempDir = createTempDir("kit-consumer");

beforeAll(async () => {
  server = await startNatsServer();
  nats = await connectNats({ url: server.url, name: "consumer-test", logger });
  await ensureTopology(nats.jsm, testTopology());
  publisher = createEventPublisher({ js: nats.js, source: "/consumer-test" });
});

afterAll(async () => {
  await nats?.drain();
  await server?.cleanup();
  await temp.cleanup();
});

interface Running {
  store: Store<FixtureSchema>;
  metrics: ServiceMetrics;
  /** Stops the consumer and closes its store; idempotent. */
  close(): Promise<void>;
}
const running: Running[] = [];
afterEach(async () => {
  for (const consumer of running.splice(0).reverse()) await consumer.close();
});

/**
 * Declares the durable consumer, opens its SQLite file (`<durable>.db`) and starts consuming,
 * on the shared connection or, like a separate service instance, on its own (drained on close).
 */
async function run(
  spec: ConsumerSpec,
  handlers: Handler[],
  {
    ownConnection = false,
    effects = "database",
  }: { ownConnection?: boolean; effects?: "database" | "events" } = {},
): Promise<Running> {
  await ensureTopology(nats.jsm, testTopology([spec]));
  const connection = ownConnection
    ? await connectNats({ url: server.url, name: `${spec.durable}-instance`, logger })
    : nats;
  const store = await openStore({
    url: join(temp.path, `${spec.durable}.db`),
    schema: fixtureSchema,
    migrationsFolder: fixtureMigrationsFolder,
  });
  const metrics = createMetrics({ service: "consumer-test", defaults: false });
  const consumer = await startConsumer(
    effects === "events" ? { spec, effects, handlers } : { spec, handlers },
    { js: connection.js, registry: testRegistry, store, logger, metrics },
  );
  let closed: Promise<void> | undefined;
  const handle: Running = {
    store,
    metrics,
    close: () => {
      closed ??= (async () => {
        await consumer.stop();
        if (connection !== nats) {
          // A service drains only once its other consumers and projections have stopped too.
          await Bun.sleep(100);
          await connection.drain();
        }
        await store.close();
      })();
      return closed;
    },
  };
  running.push(handle);
  return handle;
}

/** Records the event and adds its amount to the key's tally (a non-idempotent effect), then runs `andThen`. */
const recordNote = (name: string, andThen?: (context: Context) => void | Promise<void>) =>
  on(noteRecorded, async (event, context: Context) => {
    const { tx, position } = context;
    await tx
      .insert(receivedEvents)
      .values({ handler: name, eventId: event.id, sequence: position.sequence });
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
    await andThen?.(context);
  });

const note = (key: string, amount: number) =>
  publisher.envelope({ type: noteRecorded.type, data: { key, amount } }, {});

const tallyOf = async (store: Store<FixtureSchema>, key: string) =>
  (await store.read.select().from(tallies).where(eq(tallies.key, key)))[0];

const receivedIds = async (store: Store<FixtureSchema>) =>
  (await store.read.select().from(receivedEvents)).map((r) => r.eventId);

/** Waits until the consumer has been delivered everything up to `sequence` and settled it all. */
async function waitSettled(spec: ConsumerSpec, sequence: number) {
  await waitUntil(
    async () => {
      const info = await nats.jsm.consumers.info(spec.stream, spec.durable);
      return (
        info.delivered.stream_seq >= sequence &&
        info.num_ack_pending === 0 &&
        info.num_pending === 0
      );
    },
    { timeoutMs: 10_000, message: `${spec.durable} to settle up to ${sequence}` },
  );
}

describe("idempotency", () => {
  test("an already-processed event stored again under another msg id changes nothing", async () => {
    const spec = testConsumer("once", "test.once.>");
    const { store, metrics } = await run(spec, [recordNote("once")]);
    const event = note("dup", 5);

    const first = await publisher.publish("test.once.dup", event);
    const brokerDuplicate = await publisher.publish("test.once.dup", event);
    expect(brokerDuplicate).toMatchObject({ duplicate: true, sequence: first.sequence });
    // Past the broker's dedupe (another Nats-Msg-Id): the same envelope stored a second time.
    const { payload, headers } = encodeEvent(event);
    const second = await nats.js.publish("test.once.dup", payload, {
      headers,
      msgID: "another-id",
    });
    expect(second.seq).toBeGreaterThan(first.sequence);

    await waitSettled(spec, second.seq);
    expect(await tallyOf(store, "dup")).toEqual({ key: "dup", total: 5, applied: 1 });
    expect(await receivedIds(store)).toEqual([event.id]);
    expect(await counterValue(metrics.handled, { consumer: "once" })).toBe(2);
    expect(await counterValue(metrics.deadLettered, { consumer: "once" })).toBe(0);
  });

  test("events of a type the consumer has no handler for are acknowledged and skipped", async () => {
    const spec = testConsumer("no-handlers", "test.unhandled.>");
    const { store, metrics } = await run(spec, []);
    const ack = await publisher.publish("test.unhandled.a", note("a", 1));
    await waitSettled(spec, ack.sequence);
    expect(await store.read.select().from(tallies)).toEqual([]);
    expect(await counterValue(metrics.deadLettered, {})).toBe(0);
  });
});

describe("handlers whose effects are events", () => {
  test("run outside the writer's transaction, and an event handled once is not handled again", async () => {
    const spec = testConsumer("events-effects", "test.events.>");
    const calls: string[] = [];
    let store: Store<FixtureSchema> | undefined;
    const handler = on(noteRecorded, async (event) => {
      calls.push(event.id);
      // Holding the service's single writer here would make this write wait for itself forever.
      await store?.write((tx) =>
        tx.insert(tallies).values({ key: event.data.key, total: event.data.amount, applied: 1 }),
      );
    });
    const running = await run(spec, [handler as unknown as Handler], { effects: "events" });
    store = running.store;
    const event = note("ev", 3);
    await publisher.publish("test.events.ev", event);
    const { payload, headers } = encodeEvent(event);
    const again = await nats.js.publish("test.events.ev", payload, { headers, msgID: "again" });

    await waitSettled(spec, again.seq);
    expect(calls).toEqual([event.id]);
    expect(await tallyOf(running.store, "ev")).toEqual({ key: "ev", total: 3, applied: 1 });
    expect(await counterValue(running.metrics.handled, { consumer: "events-effects" })).toBe(2);
  });
});

describe("poison messages", () => {
  test("undecodable messages are dead-lettered with their reason and the consumer carries on", async () => {
    const spec = testConsumer("poison", "test.poison.>");
    const { store, metrics } = await run(spec, [recordNote("poison")]);

    const garbage = new Uint8Array([0xff, 0xfe, 0x00, ...encoder.encode("not an event")]);
    const garbageAck = await nats.js.publish("test.poison.garbage", garbage);
    const invalid = encodeEvent({ ...note("bad", 1), data: { key: "bad", amount: "lots" } });
    const invalidAck = await nats.js.publish("test.poison.invalid", invalid.payload, {
      headers: invalid.headers,
    });
    const unknown = encodeEvent({ ...note("x", 1), type: "test.never-heard-of" });
    const unknownAck = await nats.js.publish("test.poison.unknown", unknown.payload);
    const good = note("good", 7);
    const goodAck = await publisher.publish("test.poison.good", good);

    await waitSettled(spec, goodAck.sequence);
    expect(await tallyOf(store, "good")).toEqual({ key: "good", total: 7, applied: 1 });
    expect(await receivedIds(store)).toEqual([good.id]);

    const letters = await readDeadLetters(nats, "poison", 3);
    expect(letters).toHaveLength(3);
    const [garbageLetter, invalidLetter, unknownLetter] = letters;
    expect(garbageLetter).toMatchObject({
      code: "event.malformed",
      consumer: "poison",
      stream: "TEST",
      subject: "test.poison.garbage",
      streamSequence: garbageAck.seq,
      deliveries: 1,
      payload: new TextDecoder().decode(garbage),
    });
    expect(garbageLetter?.reason).toContain("not valid JSON");
    expect(invalidLetter).toMatchObject({
      code: "event.invalid-data",
      subject: "test.poison.invalid",
      streamSequence: invalidAck.seq,
      payload: new TextDecoder().decode(invalid.payload),
    });
    expect(invalidLetter?.reason).toContain("data.amount");
    expect(invalidLetter?.headers["ce-id"]).toEqual([invalid.headers.get("ce-id")]);
    expect(unknownLetter).toMatchObject({
      code: "event.unknown-type",
      subject: "test.poison.unknown",
      streamSequence: unknownAck.seq,
    });
    expect(unknownLetter?.reason).toContain("test.never-heard-of");

    const info = await nats.jsm.consumers.info(spec.stream, spec.durable);
    expect(info.num_redelivered).toBe(0);
    expect(await counterValue(metrics.deadLettered, { consumer: "poison" })).toBe(3);
    expect(await counterValue(metrics.deadLettered, { code: "event.malformed" })).toBe(1);
    expect(await counterValue(metrics.deadLettered, { code: "event.invalid-data" })).toBe(1);
    expect(await counterValue(metrics.deadLettered, { code: "event.unknown-type" })).toBe(1);
    expect(await counterValue(metrics.handled, { consumer: "poison" })).toBe(1);
  });

  test("dead letters are stored on deadletter.<stream>.<consumer> in the DEADLETTER stream", async () => {
    const spec = testConsumer("poison-subject", "test.poison-subject.>");
    await run(spec, [recordNote("poison-subject")]);
    const ack = await nats.js.publish("test.poison-subject.x", "{");
    await waitSettled(spec, ack.seq);
    const stored = await nats.jsm.streams.getMessage(DEAD_LETTER_STREAM.name, {
      last_by_subj: deadLetterSubject("TEST", "poison-subject"),
    });
    expect(stored?.json<{ streamSequence: number }>().streamSequence).toBe(ack.seq);
  });
});

describe("failing handlers", () => {
  test("a transient failure is retried after the configured delays, then applied once", async () => {
    const spec = testConsumer("transient", "test.transient.>", { retryDelaysMs: [300, 500] });
    const attempts: { at: number; deliveries: number }[] = [];
    const { store, metrics } = await run(spec, [
      recordNote("transient", ({ deliveries }) => {
        attempts.push({ at: performance.now(), deliveries });
        if (deliveries < 3) throw new Error(`flaky dependency (delivery ${deliveries})`);
      }),
    ]);
    const event = note("flaky", 4);
    const ack = await publisher.publish("test.transient.a", event);

    await waitSettled(spec, ack.sequence);
    expect(attempts.map((a) => a.deliveries)).toEqual([1, 2, 3]);
    const [first, second, third] = attempts.map((a) => a.at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(300);
    expect(third - second).toBeGreaterThanOrEqual(500);
    // The failed attempts' writes were rolled back: one row, one application.
    expect(await receivedIds(store)).toEqual([event.id]);
    expect(await tallyOf(store, "flaky")).toEqual({ key: "flaky", total: 4, applied: 1 });
    expect(
      await counterValue(metrics.failed, { consumer: "transient", code: "handler.failed" }),
    ).toBe(2);
    expect(await counterValue(metrics.handled, { consumer: "transient" })).toBe(1);
    expect(await counterValue(metrics.deadLettered, { consumer: "transient" })).toBe(0);
  });

  test("an unavailable AppError counts as transient and is retried", async () => {
    const spec = testConsumer("unavailable", "test.unavailable.>", { retryDelaysMs: [50] });
    let calls = 0;
    const { store, metrics } = await run(spec, [
      recordNote("unavailable", () => {
        calls += 1;
        if (calls === 1) throw unavailable("payments.down", "payment provider unreachable");
      }),
    ]);
    const ack = await publisher.publish("test.unavailable.a", note("u", 1));
    await waitSettled(spec, ack.sequence);
    expect(calls).toBe(2);
    expect(await tallyOf(store, "u")).toMatchObject({ total: 1, applied: 1 });
    expect(await counterValue(metrics.failed, { code: "payments.down" })).toBe(1);
    expect(await counterValue(metrics.deadLettered, {})).toBe(0);
  });

  test("a handler that always fails is dead-lettered after maxDeliver deliveries", async () => {
    const spec = testConsumer("doomed", "test.doomed.>", { maxDeliver: 3, retryDelaysMs: [100] });
    let doomedCalls = 0;
    const { store, metrics } = await run(spec, [
      recordNote("doomed", ({ position }) => {
        if (position.subject !== "test.doomed.a") return;
        doomedCalls += 1;
        throw new Error("database on fire");
      }),
    ]);
    const doomed = await publisher.publish("test.doomed.a", note("doomed", 1));
    const survivor = note("survivor", 1);
    const survivorAck = await publisher.publish("test.doomed.b", survivor);

    const [letter] = await readDeadLetters(nats, "doomed", 1);
    expect(letter).toMatchObject({
      code: "handler.failed",
      subject: "test.doomed.a",
      streamSequence: doomed.sequence,
      deliveries: 3,
    });
    expect(letter?.reason).toMatch(/after 3 deliveries/);
    expect(letter?.reason).toContain("database on fire");

    await waitSettled(spec, survivorAck.sequence);
    expect(doomedCalls).toBe(3);
    expect(await receivedIds(store)).toEqual([survivor.id]);
    expect(await tallyOf(store, "doomed")).toBeUndefined();
    expect(await counterValue(metrics.failed, { consumer: "doomed", code: "handler.failed" })).toBe(
      3,
    );
    expect(
      await counterValue(metrics.deadLettered, { consumer: "doomed", code: "handler.failed" }),
    ).toBe(1);
    expect(await counterValue(metrics.handled, { consumer: "doomed" })).toBe(1);
  });

  test.each([
    ["validation", validationError("note.refused", "amount over the limit")],
    ["conflict", conflict("note.already-closed", "the note is closed")],
    ["not-found", notFound("note.unknown-key", "no such key")],
  ])("a permanent %s AppError is dead-lettered on the first delivery", async (kind, error) => {
    const durable = `permanent-${kind}`;
    const spec = testConsumer(durable, `test.${durable}.>`);
    let calls = 0;
    const { store, metrics } = await run(spec, [
      recordNote(durable, () => {
        calls += 1;
        throw error;
      }),
    ]);
    const ack = await publisher.publish(`test.${durable}.a`, note("refused", 1));

    const [letter] = await readDeadLetters(nats, durable, 1);
    expect(letter).toMatchObject({
      code: error.code,
      reason: error.message,
      deliveries: 1,
      streamSequence: ack.sequence,
    });
    await waitSettled(spec, ack.sequence);
    expect(calls).toBe(1);
    expect(await receivedIds(store)).toEqual([]);
    expect(await counterValue(metrics.deadLettered, { consumer: durable, code: error.code })).toBe(
      1,
    );
    expect(await counterValue(metrics.failed, { consumer: durable, code: error.code })).toBe(1);
    expect(await counterValue(metrics.handled, { consumer: durable })).toBe(0);
  });
});

describe("stopping", () => {
  test("stop finishes the message in hand and hands the buffered ones back at once", async () => {
    // An ack wait far beyond the test's patience: a message stranded until it expires fails the test.
    const spec = testConsumer("stopping", "test.stopping.>", { ackWaitMs: 60_000 });
    let inHand = 0;
    const slow = recordNote("stopping", async () => {
      inHand += 1;
      await Bun.sleep(100);
    });
    const first = await run(spec, [slow], { ownConnection: true });
    const events = Array.from({ length: 30 }, (_, i) => note("s", i + 1));
    let lastSequence = 0;
    for (const event of events) {
      lastSequence = (await publisher.publish("test.stopping.a", event)).sequence;
    }
    await waitUntil(() => inHand >= 3, { message: "a few messages to be handled" });
    await first.close();
    const handledBeforeStop = inHand;

    const restartedAt = performance.now();
    const second = await run(spec, [slow]);
    expect((await receivedIds(second.store)).length).toBe(handledBeforeStop);
    await waitSettled(spec, lastSequence);
    expect(performance.now() - restartedAt).toBeLessThan(10_000);
    expect(new Set(await receivedIds(second.store))).toEqual(new Set(events.map((e) => e.id)));
    expect(await receivedIds(second.store)).toHaveLength(30);
    expect(await tallyOf(second.store, "s")).toEqual({ key: "s", total: 465, applied: 30 });
  });
});
