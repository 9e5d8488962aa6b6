import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  createTempDir,
  getFreePort,
  type NatsServerHandle,
  startNatsServer,
  type TempDir,
} from "@shop/shared/testing";
import { baseConfigSchema, intFromEnv, loadConfig } from "../config/load-config.ts";
import { fixtureMigrationsFolder, fixtureSchema } from "../fixtures/schema.ts";
import { testRegistry, testTopology } from "../fixtures/test-events.ts";
import { createLogger } from "../log/logger.ts";
import { type RunningService, startService } from "./start-service.ts";

setDefaultTimeout(30_000);

let nats: NatsServerHandle;
const temp: TempDir = createTempDir("kit-service-wiring");
let service: RunningService | undefined;

beforeAll(async () => {
  nats = await startNatsServer();
});

afterAll(async () => {
  await service?.stop();
  await nats?.cleanup();
  await temp.cleanup();
});

describe("startService while wiring", () => {
  test("answers 503 with Retry-After (not 404) until the routes are wired; health answers throughout", async () => {
    const port = await getFreePort();
    const config = loadConfig(baseConfigSchema.extend({ PORT: intFromEnv(0) }), {
      NATS_URL: nats.url,
      DATA_DIR: temp.path,
      LOG_LEVEL: "silent",
      HOST: "127.0.0.1",
      PORT: String(port),
    });
    const url = `http://127.0.0.1:${port}`;
    let wiringStarted!: () => void;
    const wiring = new Promise<void>((resolve) => {
      wiringStarted = resolve;
    });
    let finishWiring!: () => void;
    const gate = new Promise<void>((resolve) => {
      finishWiring = resolve;
    });
    const started = startService(
      {
        name: "kit-wiring-test",
        config,
        logger: createLogger({ service: "kit-wiring-test", level: "silent" }),
        schema: fixtureSchema,
        migrationsFolder: fixtureMigrationsFolder,
        registry: testRegistry,
        topology: testTopology(),
      },
      async (kit) => {
        wiringStarted();
        await gate;
        kit.app.get("/things/:id", (c) => c.json({ id: c.req.param("id") }));
        kit.app.post("/things", (c) => c.json({ created: true }, 201));
      },
    );
    await wiring;

    for (const [method, path] of [
      ["GET", "/things/t-1"],
      ["POST", "/things"],
    ] as const) {
      const early = await fetch(`${url}${path}`, { method });
      expect(early.status).toBe(503);
      expect(early.headers.get("retry-after")).toBe("1");
      expect(early.headers.get("content-type")).toBe("application/problem+json");
      expect(await early.json()).toMatchObject({ status: 503, code: "service.starting" });
    }
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { wired: boolean } }).checks.wired).toBe(false);

    finishWiring();
    service = await started;
    const wired = await fetch(`${url}/things/t-1`);
    expect(wired.status).toBe(200);
    expect(await wired.json()).toEqual({ id: "t-1" });
    const unknown = await fetch(`${url}/no/such/route`);
    expect(unknown.status).toBe(404);
  });
});
