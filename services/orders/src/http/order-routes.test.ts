import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { contracts, streams, subjects } from "@shop/shared/contracts";
import {
  connectNats,
  createAggregateStore,
  createLogger,
  loadConfig,
  type NatsContext,
  type RunningProjection,
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
import { configSchema } from "../config.ts";
import { catalog, knownUsers, schema } from "../db/schema.ts";
import { orderDecider } from "../domain/order.ts";
import { ordersProjection } from "../projections/orders/orders-projection.ts";
import { addOrderRoutes } from "./order-routes.ts";

setDefaultTimeout(30_000);

const { faults, offeredEventIds, wrap: faultyPublisher } = createFaultyPublisher();

const logger = createLogger({ service: "orders-routes-test", level: "silent" });
const temp: TempDir = createTempDir("orders-routes");
let nats: NatsServerHandle;
let client: NatsContext;
let service: RunningService;
let projection: RunningProjection;

beforeAll(async () => {
  nats = await startNatsServer();
  client = await connectNats({ url: nats.url, name: "orders-routes-test", logger });
  const config = loadConfig(configSchema, {
    NATS_URL: nats.url,
    DATA_DIR: temp.path,
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    PORT: String(await getFreePort()),
  });
  service = await startService(
    {
      name: "orders",
      config,
      logger,
      schema,
      migrationsFolder: `${import.meta.dir}/../../drizzle`,
      registry: contracts,
      topology: { streams: [streams.orders, streams.deadLetter], consumers: [] },
    },
    async (kit) => {
      // The catalog and user read models as their projections would have left them.
      await kit.store.write(async (tx) => {
        await tx.insert(knownUsers).values({ userId: "u-1" });
        await tx.insert(catalog).values({ sku: "tea", name: "Tea", priceCents: 450 });
      });
      projection = await kit.project(ordersProjection);
      addOrderRoutes(kit.app, {
        orders: createAggregateStore(orderDecider, {
          nats: kit.nats,
          publisher: faultyPublisher(kit.publisher),
          registry: kit.registry,
          stream: streams.orders.name,
          logger: kit.logger,
        }),
        ordersProjection: {
          waitFor: (sequence, timeoutMs) =>
            faults.readModelBehind
              ? Promise.reject(unavailable("projection.behind", "simulated: read model behind"))
              : projection.waitFor(sequence, timeoutMs),
        },
        db: kit.store.read,
        newId: () => Bun.randomUUIDv7(),
        now: () => new Date(),
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

type Answer = { orderId: string; status: string; code?: string };

async function send(path: string, idempotencyKey?: string, body?: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method: "POST",
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    location: response.headers.get("location"),
    body: (await response.json()) as Answer,
  };
}

const place = (idempotencyKey?: string) =>
  send("/orders", idempotencyKey, {
    userId: "u-1",
    items: [{ sku: "tea", quantity: 2 }],
    paymentMethod: "visa",
  });
const cancel = (orderId: string, idempotencyKey?: string) =>
  send(`/orders/${orderId}/cancel`, idempotencyKey);

/** The event types stored on an order's subject, and the last one's Nats-Msg-Id. */
async function storedFor(orderId: string) {
  const subject = subjects.order(orderId);
  const stream = streams.orders.name;
  const events = await eventsOfAggregate(client, stream, subject);
  return { count: events.length, msgId: events.at(-1)?.headers.get("Nats-Msg-Id") };
}

const readOrder = (orderId: string) =>
  fetch(`${service.url}/orders/${orderId}`).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Answer,
  }));

test("/openapi.json documents Idempotency-Key on both commands, and the cancel's 202", async () => {
  type Operation = { parameters?: { name: string; in: string }[]; responses: object };
  const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
    paths: Record<string, { post?: Operation }>;
  };
  for (const path of ["/orders", "/orders/{id}/cancel"]) {
    expect(document.paths[path]?.post?.parameters).toContainEqual(
      expect.objectContaining({ name: "idempotency-key", in: "header" }),
    );
  }
  expect(Object.keys(document.paths["/orders/{id}/cancel"]?.post?.responses ?? {})).toEqual(
    expect.arrayContaining(["200", "202", "404", "409", "503"]),
  );
});

describe("POST /orders, retried as a client retries", () => {
  test("stored but answered 503 (ack lost): the resend with the same key answers with the same order, placed once", async () => {
    faults.loseNextAck = true;
    const lost = await place("place-lost-ack");
    expect(lost.status).toBe(503);
    const resent = await place("place-lost-ack");
    expect(resent.status).toBe(202);
    expect(resent.location).toBe(`/orders/${resent.body.orderId}`);
    expect((await storedFor(resent.body.orderId)).count).toBe(1);
  });

  test("a resend offers the broker the same event id, so Nats-Msg-Id dedupe applies", async () => {
    faults.dropNextAppend = true;
    const offeredBefore = offeredEventIds.length;
    expect((await place("place-dropped")).status).toBe(503);
    const resent = await place("place-dropped");
    expect(resent.status).toBe(202);
    const offered = offeredEventIds.slice(offeredBefore);
    expect(offered).toHaveLength(2);
    expect(offered[1]).toBe(offered[0] as string);
    expect(await storedFor(resent.body.orderId)).toEqual({ count: 1, msgId: offered[0] });
  });
});

describe("POST /orders/{id}/cancel, retried as a client retries", () => {
  test("stored but answered 503 (ack lost): the resend with the same key answers 200 again, cancelled once", async () => {
    const { body: placed } = await place();
    faults.loseNextAck = true;
    const lost = await cancel(placed.orderId, "cancel-lost-ack");
    expect(lost.status).toBe(503);
    expect((await storedFor(placed.orderId)).count).toBe(2);

    const resent = await cancel(placed.orderId, "cancel-lost-ack");
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({ orderId: placed.orderId, status: "cancelled" });
    expect((await storedFor(placed.orderId)).count).toBe(2);
    // Without a key a repeat is refused: nothing says it is the same request.
    const unkeyed = await cancel(placed.orderId);
    expect(unkeyed.status).toBe(409);
    expect(unkeyed.body.code).toBe("order.already-cancelled");
  });

  test("a resend offers the broker the same event id", async () => {
    const { body: placed } = await place();
    faults.dropNextAppend = true;
    const offeredBefore = offeredEventIds.length;
    expect((await cancel(placed.orderId, "cancel-dropped")).status).toBe(503);
    expect((await cancel(placed.orderId, "cancel-dropped")).status).toBe(200);
    const offered = offeredEventIds.slice(offeredBefore);
    expect(offered).toHaveLength(2);
    expect(offered[1]).toBe(offered[0] as string);
    expect(await storedFor(placed.orderId)).toEqual({ count: 2, msgId: offered[0] });
  });

  test("stored while the read model is behind: 202 with the order's Location, and resends answer the same", async () => {
    const { body: placed } = await place();
    faults.readModelBehind = true;
    const accepted = await cancel(placed.orderId, "cancel-behind");
    expect(accepted.status).toBe(202);
    expect(accepted.location).toBe(`/orders/${placed.orderId}`);
    expect(accepted.body).toEqual({ orderId: placed.orderId, status: "cancelled" });
    expect((await cancel(placed.orderId, "cancel-behind")).status).toBe(202);
    faults.readModelBehind = false;
    const caughtUp = await cancel(placed.orderId, "cancel-behind");
    expect(caughtUp.status).toBe(200);
    expect(caughtUp.body).toEqual(accepted.body);
    const read = await waitFor(async () => {
      const order = await readOrder(placed.orderId);
      return order.body.status === "cancelled" ? order : undefined;
    });
    expect(read.status).toBe(200);
    expect((await storedFor(placed.orderId)).count).toBe(2);
  });

  test("an unknown order answers 404", async () => {
    const missing = await cancel("no-such-order", "cancel-missing");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("order.not-found");
  });

  // Last: it stops the read model for good.
  test("an order the read model does not show yet can still be cancelled (202, not 404)", async () => {
    await projection.stop();
    faults.readModelBehind = true;
    const placed = await place("place-unseen");
    expect(placed.status).toBe(202);
    expect((await readOrder(placed.body.orderId)).status).toBe(404);
    const accepted = await cancel(placed.body.orderId, "cancel-unseen");
    expect(accepted.status).toBe(202);
    expect(accepted.location).toBe(`/orders/${placed.body.orderId}`);
    expect((await storedFor(placed.body.orderId)).count).toBe(2);
  });
});
