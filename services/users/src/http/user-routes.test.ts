import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { contracts, streams, subjects } from "@shop/shared/contracts";
import {
  connectNats,
  createAggregateStore,
  createLogger,
  loadConfig,
  type NatsContext,
  type RunningService,
  startService,
  unavailable,
} from "@shop/shared/kit";
import {
  createFaultyPublisher,
  createTempDir,
  eventsOfAggregate,
  getFreePort,
  type NatsServerHandle,
  startNatsServer,
  type TempDir,
  waitFor,
} from "@shop/shared/testing";
import { emailKey } from "../app/register-user.ts";
import { configSchema } from "../config.ts";
import { schema } from "../db/schema.ts";
import { userDecider } from "../domain/user.ts";
import { usersProjection } from "../projections/users/users-projection.ts";
import { addUserRoutes } from "./user-routes.ts";

setDefaultTimeout(30_000);

const { faults, offeredEventIds, wrap: faultyPublisher } = createFaultyPublisher();

let nats: NatsServerHandle;
const temp: TempDir = createTempDir("users-routes");
let service: RunningService;
let client: NatsContext;
const logger = createLogger({ service: "users-routes-test", level: "silent" });

beforeAll(async () => {
  nats = await startNatsServer();
  client = await connectNats({ url: nats.url, name: "users-routes-test", logger });
  const config = loadConfig(configSchema, {
    NATS_URL: nats.url,
    DATA_DIR: temp.path,
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    PORT: String(await getFreePort()),
  });
  service = await startService(
    {
      name: "users",
      config,
      logger,
      schema,
      migrationsFolder: `${import.meta.dir}/../../drizzle`,
      registry: contracts,
      topology: { streams: [streams.users, streams.deadLetter], consumers: [] },
    },
    async (kit) => {
      const projection = await kit.project(usersProjection);
      const users = createAggregateStore(userDecider, {
        nats: kit.nats,
        publisher: faultyPublisher(kit.publisher),
        registry: kit.registry,
        stream: streams.users.name,
        logger: kit.logger,
      });
      addUserRoutes(kit.app, {
        users,
        projection: {
          waitFor: (sequence, timeoutMs) =>
            faults.readModelBehind
              ? Promise.reject(unavailable("projection.behind", "simulated: read model behind"))
              : projection.waitFor(sequence, timeoutMs),
        },
        newId: () => Bun.randomUUIDv7(),
        db: kit.store.read,
      });
    },
  );
});

afterAll(async () => {
  await service?.stop();
  await client?.drain();
  await nats?.cleanup();
  await temp.cleanup();
});

type Answer = { id: string; email: string; name: string; code?: string };

async function register(email: string, idempotencyKey: string) {
  const response = await fetch(`${service.url}/users`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
    body: JSON.stringify({ email, name: "Ada" }),
  });
  return {
    status: response.status,
    location: response.headers.get("location"),
    retryAfter: response.headers.get("retry-after"),
    body: (await response.json()) as Answer,
  };
}

/** How many events are stored for one email's registration, and the last one's Nats-Msg-Id. */
async function storedFor(email: string) {
  const subject = subjects.user(emailKey(email));
  const stream = streams.users.name;
  const events = await eventsOfAggregate(client, stream, subject);
  return { count: events.length, msgId: events.at(-1)?.headers.get("Nats-Msg-Id") };
}

describe("POST /users, retried as a client retries", () => {
  test("stored but answered 503 (ack lost): the resend with the same key gets the same user, stored once", async () => {
    faults.loseNextAck = true;
    const lost = await register("lost-ack@example.com", "lost-ack-key");
    expect(lost.status).toBe(503);
    expect(lost.retryAfter).toBe("1");
    expect((await storedFor("lost-ack@example.com")).count).toBe(1);

    const resent = await register("lost-ack@example.com", "lost-ack-key");
    expect(resent.status).toBe(201);
    expect(resent.body).toMatchObject({ email: "lost-ack@example.com", name: "Ada" });
    expect(resent.location).toBe(`/users/${resent.body.id}`);
    expect((await storedFor("lost-ack@example.com")).count).toBe(1);
    const again = await register("lost-ack@example.com", "lost-ack-key");
    expect(again).toEqual(resent);
  });

  test("a resend offers the broker the same event id, so Nats-Msg-Id dedupe applies", async () => {
    faults.dropNextAppend = true;
    const offeredBefore = offeredEventIds.length;
    const dropped = await register("dropped@example.com", "dropped-key");
    expect(dropped.status).toBe(503);
    expect((await storedFor("dropped@example.com")).count).toBe(0);

    const resent = await register("dropped@example.com", "dropped-key");
    expect(resent.status).toBe(201);
    const offered = offeredEventIds.slice(offeredBefore);
    expect(offered).toHaveLength(2);
    expect(offered[1]).toBe(offered[0] as string);
    expect(await storedFor("dropped@example.com")).toEqual({ count: 1, msgId: offered[0] });
  });

  test("stored while the read model is behind: 202 with its Location, and resends get the same user", async () => {
    faults.readModelBehind = true;
    const accepted = await register("behind@example.com", "behind-key");
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ email: "behind@example.com", name: "Ada" });
    expect(accepted.location).toBe(`/users/${accepted.body.id}`);
    const resent = await register("behind@example.com", "behind-key");
    expect(resent.status).toBe(202);
    expect(resent.body).toEqual(accepted.body);

    faults.readModelBehind = false;
    const caughtUp = await register("behind@example.com", "behind-key");
    expect(caughtUp.status).toBe(201);
    expect(caughtUp.body).toEqual(accepted.body);
    const read = await waitFor(async () => {
      const response = await fetch(`${service.url}${accepted.location}`);
      return response.status === 200 ? ((await response.json()) as Answer) : undefined;
    });
    expect(read).toMatchObject({ id: accepted.body.id, email: "behind@example.com" });
    expect((await storedFor("behind@example.com")).count).toBe(1);
  });
});
