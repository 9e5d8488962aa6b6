import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { contracts, streams, subjects } from "@shop/shared/contracts";
import {
  aggregateEvents,
  connectNats,
  createAggregateStore,
  createEventPublisher,
  createLogger,
  decodeEvent,
  ensureTopology,
  eventSubject,
  type NatsContext,
  openStore,
  readSubject,
  type Store,
} from "@shop/shared/kit";
import {
  createTempDir,
  type NatsServerHandle,
  startNatsServer,
  type TempDir,
} from "@shop/shared/testing";
import { type Schema, schema } from "../db/schema.ts";
import { paymentDecider } from "../domain/payment.ts";
import { createSimulatedGateway, type SimulatedGateway } from "../gateway/simulated-gateway.ts";
import { cancelPayment } from "./cancel-payment.ts";
import { capturePayment } from "./capture-payment.ts";
import type { PaymentDeps } from "./payment-deps.ts";
import { createOrderReader } from "./read-order.ts";

const logger = createLogger({ service: "payments-use-cases-test", level: "silent" });

let server: NatsServerHandle;
let nats: NatsContext;
let store: Store<Schema>;
const temp: TempDir = createTempDir("payments-use-cases");

beforeAll(async () => {
  server = await startNatsServer();
  nats = await connectNats({ url: server.url, name: "payments-use-cases-test", logger });
  await ensureTopology(nats.jsm, { streams: [streams.payments], consumers: [] });
  await ensureTopology(nats.jsm, { streams: [streams.orders], consumers: [] });
  store = await openStore({
    url: join(temp.path, "payments.db"),
    schema,
    migrationsFolder: join(import.meta.dir, "../../drizzle"),
  });
});

afterAll(async () => {
  await store?.close();
  await nats?.drain();
  await server?.cleanup();
  await temp.cleanup();
});

/** A payment aggregate store of its own, as a separate service instance would have. */
const paymentStore = () =>
  createAggregateStore(paymentDecider, {
    nats,
    publisher: createEventPublisher({ js: nats.js, source: "/payments" }),
    registry: contracts,
    stream: streams.payments.name,
    logger,
  });

const depsWith = (gateway: SimulatedGateway): PaymentDeps => ({
  payments: paymentStore(),
  gateway,
  readOrder: createOrderReader(nats, contracts, logger),
});
const newGateway = () =>
  createSimulatedGateway({ limitCents: 100_000, declinedMethods: ["card_declined"] });

const placed = async (orderId: string, totalCents = 1_500) => {
  const publisher = createEventPublisher({ js: nats.js, source: "/orders" });
  const event = {
    type: "order.placed",
    data: {
      orderId,
      userId: "u-1",
      items: [{ sku: "tea", quantity: 1, unitPriceCents: totalCents }],
      totalCents,
      paymentMethod: "visa",
    },
  } as const;
  await publisher.publish(
    eventSubject(subjects.order(orderId), event.type),
    publisher.envelope(event, {}),
  );
};

const eventTypes = async (orderId: string) => {
  const { messages } = await readSubject(
    nats,
    streams.payments.name,
    aggregateEvents(subjects.payment(orderId)),
  );
  return messages.map((message) => decodeEvent(contracts, message).type);
};

describe("payment use cases", () => {
  test("an order with nothing to pay is captured without asking the gateway, and cancelled without a refund", async () => {
    const gateway = newGateway();
    const orderId = `o-${crypto.randomUUID()}`;
    await placed(orderId, 0);
    await capturePayment(depsWith(gateway), orderId, {});
    expect(await eventTypes(orderId)).toEqual(["payment.captured"]);
    await cancelPayment(depsWith(gateway), { orderId, userId: "u-1" }, {});
    expect(await eventTypes(orderId)).toEqual(["payment.captured", "payment.refunded"]);
    expect(gateway.charges()).toEqual([]);
    expect(gateway.refunds()).toEqual([]);
  });

  test("charges an order whose subject also holds garbage published by hand (skipped, not fatal)", async () => {
    const gateway = newGateway();
    const orderId = `o-${crypto.randomUUID()}`;
    await nats.js.publish(eventSubject(subjects.order(orderId), "order.placed"), "x=1");
    await placed(orderId);
    await nats.js.publish(eventSubject(subjects.order(orderId), "order.placed"), "[1,2]");
    await capturePayment(depsWith(gateway), orderId, {});
    expect(await eventTypes(orderId)).toEqual(["payment.captured"]);
    expect(gateway.charges()).toHaveLength(1);
  });

  test("asks for a retry while the order's terms are unknown, and charges nothing", async () => {
    const gateway = newGateway();
    const orderId = `o-${crypto.randomUUID()}`;
    const attempt = capturePayment(depsWith(gateway), orderId, {});
    await expect(attempt).rejects.toMatchObject({
      kind: "unavailable",
      code: "payment.order-unknown",
    });
    expect(gateway.charges()).toEqual([]);
    expect(await eventTypes(orderId)).toEqual([]);
  });

  test("refunds a charge when another instance voided the order meanwhile", async () => {
    const orderId = `o-${crypto.randomUUID()}`;
    await placed(orderId);
    const simulated = newGateway();
    const otherInstance = depsWith(newGateway());
    const gateway: SimulatedGateway = {
      ...simulated,
      async capture(request) {
        await cancelPayment(otherInstance, { orderId }, {});
        return simulated.capture(request);
      },
    };
    await capturePayment(depsWith(gateway), orderId, {});
    expect(await eventTypes(orderId)).toEqual(["payment.voided"]);
    const charges = simulated.charges();
    expect(charges).toHaveLength(1);
    expect(simulated.refunds()).toEqual([
      {
        idempotencyKey: `${orderId}.refund`,
        paymentId: charges[0]!.paymentId,
        amountCents: 1_500,
        refundId: expect.any(String),
      },
    ]);
  });

  test("voids instead of charging when the order is already cancelled", async () => {
    const orderId = `o-${crypto.randomUUID()}`;
    await placed(orderId);
    const publisher = createEventPublisher({ js: nats.js, source: "/orders" });
    const cancelled = {
      type: "order.cancelled",
      data: { orderId, userId: "u-1", reason: "customer_cancelled" },
    } as const;
    await publisher.publish(
      eventSubject(subjects.order(orderId), cancelled.type),
      publisher.envelope(cancelled, {}),
    );
    const gateway = newGateway();
    await capturePayment(depsWith(gateway), orderId, {});
    expect(await eventTypes(orderId)).toEqual(["payment.voided"]);
    expect(gateway.charges()).toEqual([]);
  });

  test("refunds a charge whose record was lost when the order is cancelled before the retry", async () => {
    const orderId = `o-${crypto.randomUUID()}`;
    await placed(orderId);
    const gateway = newGateway();
    const real = paymentStore();
    let appendFails = true;
    const crashing: PaymentDeps = {
      ...depsWith(gateway),
      payments: {
        ...real,
        handle: (subject, command, meta) => {
          if (command.type === "RecordCapture" && appendFails) {
            appendFails = false;
            return Promise.reject(new Error("process died before the append"));
          }
          return real.handle(subject, command, meta);
        },
      },
    };
    await expect(capturePayment(crashing, orderId, {})).rejects.toThrow("process died");
    expect(gateway.charges()).toHaveLength(1);

    await cancelPayment(depsWith(gateway), { orderId, userId: "u-1" }, {});
    expect(await eventTypes(orderId)).toEqual(["payment.captured", "payment.refunded"]);
    expect(gateway.refunds()).toHaveLength(1);
    await capturePayment(depsWith(gateway), orderId, {});
    expect(gateway.charges()).toHaveLength(1);
  });

  test("refunds a capture once however often the order is cancelled", async () => {
    const orderId = `o-${crypto.randomUUID()}`;
    await placed(orderId);
    const gateway = newGateway();
    const deps = depsWith(gateway);
    await capturePayment(deps, orderId, {});
    await cancelPayment(deps, { orderId }, {});
    await cancelPayment(deps, { orderId }, {});
    await capturePayment(deps, orderId, {});
    expect(await eventTypes(orderId)).toEqual(["payment.captured", "payment.refunded"]);
    expect(gateway.charges()).toHaveLength(1);
    expect(gateway.refunds()).toHaveLength(1);
  });
});
