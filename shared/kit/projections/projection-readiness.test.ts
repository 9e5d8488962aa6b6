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
import { sql } from "drizzle-orm";
import { baseConfigSchema, intFromEnv, loadConfig } from "../config/load-config.ts";
import { validationError } from "../errors/app-error.ts";
import { on } from "../events/on-event.ts";
import { createEventPublisher, type EventPublisher } from "../events/publisher.ts";
import {
  type FixtureSchema,
  fixtureMigrationsFolder,
  fixtureSchema,
  tallies,
} from "../fixtures/schema.ts";
import { noteRecorded, TEST_STREAM, testRegistry, testTopology } from "../fixtures/test-events.ts";
import { createLogger } from "../log/logger.ts";
import { connectNats, type NatsContext } from "../nats/connection.ts";
import { type RunningService, startService } from "../service/start-service.ts";
import type { ProjectionContext, ProjectionDefinition } from "./projection.ts";

setDefaultTimeout(30_000);

const logger = createLogger({ service: "readiness-test", level: "silent" });
let nats: NatsServerHandle;
let client: NatsContext;
let publisher: EventPublisher;
let service: RunningService;
const temp: TempDir = createTempDir("kit-projection-readiness");
/** While set, the `slow` projection's handler waits for it: its lag builds up. */
let gate: Promise<void> | undefined;

/** A tallies projection over `test.<name>.>` whose handler refuses the key `bad`. */
const tallying = (
  name: string,
  options: Partial<ProjectionDefinition<FixtureSchema>> = {},
): ProjectionDefinition<FixtureSchema> => ({
  name,
  stream: TEST_STREAM.name,
  filterSubject: `test.${name}.>`,
  ...options,
  handlers: [
    on(noteRecorded, async (event, { tx }: ProjectionContext<FixtureSchema>) => {
      if (event.data.key === "bad") throw validationError("tally.refused", "bad is refused");
      await gate;
      await tx
        .insert(tallies)
        .values({ key: `${name}:${event.data.key}`, total: event.data.amount, applied: 1 })
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

beforeAll(async () => {
  nats = await startNatsServer();
  const config = loadConfig(baseConfigSchema.extend({ PORT: intFromEnv(0) }), {
    NATS_URL: nats.url,
    DATA_DIR: temp.path,
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    PORT: String(await getFreePort()),
  });
  service = await startService(
    {
      name: "readiness-test",
      config,
      logger,
      schema: fixtureSchema,
      migrationsFolder: fixtureMigrationsFolder,
      registry: testRegistry,
      topology: testTopology(),
    },
    async (kit) => {
      await kit.project(tallying("steady"));
      await kit.project(tallying("strict", { onHandlerFailure: "halt" }));
      await kit.project(tallying("slow", { maxLag: 3 }));
    },
  );
  client = await connectNats({ url: nats.url, name: "readiness-test-client", logger });
  publisher = createEventPublisher({ js: client.js, source: "/readiness-test" });
});

afterAll(async () => {
  await service?.stop();
  await client?.drain();
  await nats?.cleanup();
  await temp.cleanup();
});

interface Readiness {
  status: number;
  body: { checks: Record<string, boolean>; reasons?: Record<string, string> };
}

async function readiness(): Promise<Readiness> {
  const response = await fetch(`${service.url}/health/ready`);
  return { status: response.status, body: (await response.json()) as Readiness["body"] };
}

const publishNote = async (name: string, key: string) =>
  (
    await publisher.publish(
      `test.${name}.${key}`,
      publisher.envelope({ type: noteRecorded.type, data: { key, amount: 1 } }, {}),
    )
  ).sequence;

/** A metric's value for one label set, from `/metrics`. */
async function metric(name: string, label: string, value: string) {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`${name}{`) && l.includes(`${label}="${value}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("readiness and metrics over projections", () => {
  test("a projection past its lag bound turns readiness to 503, naming it, until it catches up", async () => {
    await waitUntil(async () => (await readiness()).status === 200, { message: "ready" });
    let open = () => {};
    gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    try {
      for (let i = 0; i < 6; i++) await publishNote("slow", `k${i}`);
      const behind = await waitFor(
        async () => {
          const r = await readiness();
          return r.status === 503 ? r : undefined;
        },
        { message: "503 while slow is behind" },
      );
      expect(behind.body.checks.projectionsCaughtUp).toBe(false);
      expect(behind.body.reasons?.projectionsCaughtUp).toMatch(
        /^slow: behind: \d+ events not applied \(bound 3\)$/,
      );
      expect(await metric("consumer_lag_messages", "consumer", "slow")).toBeGreaterThan(3);
    } finally {
      gate = undefined;
      open();
    }
    await waitUntil(async () => (await readiness()).status === 200, { message: "ready again" });
    expect(await metric("consumer_lag_messages", "consumer", "slow")).toBe(0);
  });

  test("a halted projection turns readiness to 503 with its reason, and shows in the metrics", async () => {
    await waitUntil(async () => (await readiness()).status === 200, { message: "ready" });
    await publishNote("steady", "bad");
    const bad = await publishNote("strict", "bad");
    await publishNote("strict", "after");

    const halted = await waitFor(
      async () => {
        const r = await readiness();
        return r.status === 503 ? r : undefined;
      },
      { message: "503 once strict halts" },
    );
    expect(halted.body.checks.projectionsCaughtUp).toBe(false);
    const reason = halted.body.reasons?.projectionsCaughtUp ?? "";
    expect(reason).toContain(`strict: halted: sequence ${bad}`);
    expect(reason).toContain("bad is refused");
    expect(reason).not.toContain("steady");
    expect(await metric("projection_halted", "projection", "strict")).toBe(1);
    expect(await metric("projection_halted", "projection", "steady")).toBe(0);
    // Halted, it keeps no consumer: its lag is counted on the broker (at most every 5 s).
    await waitUntil(
      async () => (await metric("consumer_lag_messages", "consumer", "strict")) === 2,
      {
        message: "strict's lag to count the event it stopped at and the one after",
      },
    );
    expect(await metric("consumer_lag_messages", "consumer", "steady")).toBe(0);
  });
});
