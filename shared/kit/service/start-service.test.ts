import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  createTempDir,
  getFreePort,
  type NatsServerHandle,
  startNatsServer,
  type TempDir,
  waitFor,
  waitUntil,
} from "@shop/shared/testing";
import { eq, sql } from "drizzle-orm";
import { baseConfigSchema, intFromEnv, loadConfig } from "../config/load-config.ts";
import type { ConsumerContext } from "../consumers/durable-consumer.ts";
import { on } from "../events/on-event.ts";
import { createEventPublisher, type EventPublisher } from "../events/publisher.ts";
import {
  type FixtureSchema,
  fixtureMigrationsFolder,
  fixtureSchema,
  receivedEvents,
  tallies,
} from "../fixtures/schema.ts";
import {
  noteRecorded,
  TEST_STREAM,
  testConsumer,
  testRegistry,
  testTopology,
} from "../fixtures/test-events.ts";
import { createLogger } from "../log/logger.ts";
import { connectNats, type NatsContext } from "../nats/connection.ts";
import type { ProjectionContext } from "../projections/projection.ts";
import type { Store } from "../store/store.ts";
import { type RunningService, startService } from "./start-service.ts";

setDefaultTimeout(30_000);

const logger = createLogger({ service: "kit-test", level: "silent" });
const consumerSpec = testConsumer("service-consumer", "test.service.>");

let nats: NatsServerHandle;
let client: NatsContext;
let publisher: EventPublisher;
let service: RunningService;
let store: Store<FixtureSchema>;
const temp: TempDir = createTempDir("kit-service");

beforeAll(async () => {
  nats = await startNatsServer();
  const port = await getFreePort();
  const config = loadConfig(baseConfigSchema.extend({ PORT: intFromEnv(0) }), {
    NATS_URL: nats.url,
    DATA_DIR: temp.path,
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    PORT: String(port),
  });
  service = await startService(
    {
      name: "kit-test",
      config,
      logger,
      schema: fixtureSchema,
      migrationsFolder: fixtureMigrationsFolder,
      registry: testRegistry,
      topology: testTopology([consumerSpec]),
      description: "A tiny wiring of the kit under test.",
    },
    async (kit) => {
      store = kit.store;
      await kit.project({
        name: "service-tallies",
        stream: TEST_STREAM.name,
        filterSubject: "test.service.>",
        handlers: [
          on(noteRecorded, async (event, { tx }: ProjectionContext<FixtureSchema>) => {
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
      });
      await kit.consume({
        spec: consumerSpec,
        handlers: [
          on(noteRecorded, async (event, { tx, position }: ConsumerContext<FixtureSchema>) => {
            await tx
              .insert(receivedEvents)
              .values({ handler: "service", eventId: event.id, sequence: position.sequence });
          }),
        ],
      });
    },
  );
  client = await connectNats({ url: nats.url, name: "service-test-client", logger });
  publisher = createEventPublisher({ js: client.js, source: "/service-test" });
});

afterAll(async () => {
  await service?.stop();
  await client?.drain();
  await nats?.cleanup();
  await temp.cleanup();
});

const get = (path: string) => fetch(`${service.url}${path}`);

async function readiness() {
  const response = await get("/health/ready");
  return {
    status: response.status,
    body: (await response.json()) as { status: string; checks: Record<string, boolean> },
  };
}

/** Publishes a note, retrying (same event id, so the broker dedupes) while the broker is coming back. */
async function publishNote(key: string) {
  const envelope = publisher.envelope({ type: noteRecorded.type, data: { key, amount: 1 } }, {});
  await waitUntil(() => client.isConnected(), { message: "the test client to reconnect" });
  await waitFor(() => publisher.publish(`test.service.${key}`, envelope), {
    timeoutMs: 10_000,
    message: `publishing ${key}`,
  });
  return envelope;
}

const received = async (eventId: string) =>
  (await store.read.select().from(receivedEvents).where(eq(receivedEvents.eventId, eventId)))
    .length;

const tallyOf = async (key: string) =>
  (await store.read.select().from(tallies).where(eq(tallies.key, key)))[0];

describe("startService", () => {
  test("is live", async () => {
    const response = await get("/health/live");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  test("is ready once wired and caught up, naming every check", async () => {
    await waitUntil(async () => (await readiness()).status === 200, { message: "ready" });
    const { body } = await readiness();
    expect(body).toEqual({
      status: "ready",
      checks: {
        store: true,
        nats: true,
        wired: true,
        projectionsCaughtUp: true,
        consumers: true,
        accepting: true,
      },
    });
  });

  test("consumes and projects, and counts handled messages in /metrics", async () => {
    const event = await publishNote("first");
    await waitUntil(async () => (await received(event.id)) === 1, { message: "consumed" });
    await waitUntil(async () => (await tallyOf("first"))?.total === 1, { message: "projected" });

    const response = await get("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain("# TYPE messages_handled_total counter");
    expect(text).toMatch(
      /messages_handled_total\{[^}]*consumer="service-consumer"[^}]*type="test\.note-recorded"[^}]*\} 1\b/,
    );
    expect(text).toContain('service="kit-test"');
  });

  test("documents itself at /openapi.json", async () => {
    const response = await get("/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      info: { title: string; description?: string };
    };
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.title).toBe("kit-test service");
    expect(document.info.description).toBe("A tiny wiring of the kit under test.");
  });

  test("answers an unknown route with a 404 problem document", async () => {
    const response = await get("/no/such/route");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      status: 404,
      code: "route.not-found",
      instance: "/no/such/route",
      title: "Not found",
    });
    expect(problem.requestId).toBe(response.headers.get("x-request-id"));
  });

  test("is not ready while NATS is down, and resumes consuming after it returns", async () => {
    await nats.stop();
    await waitUntil(async () => (await readiness()).status === 503, {
      message: "not ready while NATS is down",
    });
    const down = await readiness();
    expect(down.body.status).toBe("not-ready");
    expect(down.body.checks.nats).toBe(false);
    expect(down.body.checks.store).toBe(true);
    expect((await get("/health/live")).status).toBe(200);
    // Commands are refused at once with a problem document; queries still answer locally.
    const command = await fetch(`${service.url}/anything`, { method: "POST" });
    expect(command.status).toBe(503);
    expect(command.headers.get("content-type")).toContain("application/problem+json");
    expect(((await command.json()) as { code: string }).code).toBe("nats.disconnected");
    expect((await get("/openapi.json")).status).toBe(200);

    await nats.restart();
    await waitUntil(async () => (await readiness()).status === 200, {
      timeoutMs: 15_000,
      message: "ready again after NATS restarted",
    });

    const event = await publishNote("after-restart");
    await waitUntil(async () => (await received(event.id)) === 1, {
      timeoutMs: 15_000,
      message: "the consumer to handle a message published after the restart",
    });
    await waitUntil(async () => (await tallyOf("after-restart"))?.total === 1, {
      timeoutMs: 15_000,
      message: "the projection to apply a message published after the restart",
    });
  });

  test("answers /metrics promptly while NATS is down", async () => {
    await nats.stop();
    try {
      await waitUntil(async () => (await readiness()).status === 503, { message: "NATS down" });
      const startedAt = performance.now();
      const response = await get("/metrics");
      const elapsedMs = performance.now() - startedAt;
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("messages_handled_total");
      // A scrape must fit well inside Prometheus' default 10 s timeout, whatever the number of consumers.
      expect(elapsedMs).toBeLessThan(1_000);
    } finally {
      await nats.restart();
      await waitUntil(async () => (await readiness()).status === 200, {
        timeoutMs: 15_000,
        message: "ready again",
      });
    }
  });
});
