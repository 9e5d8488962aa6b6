import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  createTempDir,
  getFreePort,
  type NatsServerHandle,
  type ServiceProcessHandle,
  startNatsServer,
  startServiceProcess,
  type TempDir,
  waitUntil,
} from "@shop/shared/testing";
import { createEventPublisher } from "../events/publisher.ts";
import { noteRecorded } from "../fixtures/test-events.ts";
import { createLogger } from "../log/logger.ts";
import { connectNats, type NatsContext } from "../nats/connection.ts";

setDefaultTimeout(30_000);

const SHUTDOWN_TIMEOUT_MS = 8_000;
const EVENTS = 30;

let nats: NatsServerHandle;
let client: NatsContext;
let service: ServiceProcessHandle | undefined;
const temp: TempDir = createTempDir("kit-shutdown");
const databasePath = join(temp.path, "slow-consumer.db");

beforeAll(async () => {
  nats = await startNatsServer();
  client = await connectNats({
    url: nats.url,
    name: "shutdown-test",
    logger: createLogger({ service: "shutdown-test", level: "silent" }),
  });
});

afterAll(async () => {
  if (service?.isRunning()) await service.kill();
  await client?.drain();
  await nats?.cleanup();
  await temp.cleanup();
});

/** The event ids the service has committed, read from its SQLite file by a separate connection. */
function recordedIds(): string[] {
  if (!existsSync(databasePath)) return [];
  const db = new Database(databasePath, { readonly: true });
  try {
    return db
      .query<{ event_id: string }, []>("select event_id from received_events order by id")
      .all()
      .map((row) => row.event_id);
  } finally {
    db.close();
  }
}

describe("SIGTERM while messages are in flight", () => {
  test("exits 0 in time and, once restarted, every event is recorded exactly once", async () => {
    const port = await getFreePort();
    service = await startServiceProcess({
      name: "slow-consumer",
      entry: join(import.meta.dir, "fixtures", "slow-consumer-service.ts"),
      port,
      env: {
        NATS_URL: nats.url,
        PORT: String(port),
        HOST: "127.0.0.1",
        DATA_DIR: temp.path,
        LOG_LEVEL: "info",
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        HANDLER_DELAY_MS: "200",
      },
    });
    const running = service;

    const publisher = createEventPublisher({ js: client.js, source: "/shutdown-test" });
    const published: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const event = publisher.envelope(
        { type: noteRecorded.type, data: { key: `k${i}`, amount: i } },
        {},
      );
      await publisher.publish(`test.slow.k${i}`, event);
      published.push(event.id);
    }

    await waitUntil(() => recordedIds().length >= 5, { message: "the first events to be handled" });
    const stoppingAt = performance.now();
    const exitCode = await running.stop("SIGTERM");
    const shutdownMs = performance.now() - stoppingAt;
    const logs = running.logs().join("\n");
    expect(exitCode, logs).toBe(0);
    expect(shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(logs).toContain("stopped");

    const beforeRestart = recordedIds();
    expect(beforeRestart.length).toBeGreaterThanOrEqual(5);
    expect(beforeRestart.length).toBeLessThan(EVENTS);

    await running.restart();
    await waitUntil(() => recordedIds().length >= EVENTS, {
      timeoutMs: 15_000,
      message: `all ${EVENTS} events to be recorded after the restart`,
    });
    // Anything handled twice would show up now as an extra row.
    await Bun.sleep(300);
    const afterRestart = recordedIds();
    expect(afterRestart).toHaveLength(EVENTS);
    expect(new Set(afterRestart)).toEqual(new Set(published));
    expect(afterRestart.slice(0, beforeRestart.length)).toEqual(beforeRestart);
  });
});
