import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CancellationReason,
  orderCancelled,
  orderConfirmed,
  orderPlaced,
  paymentCaptured,
  paymentDeclined,
  paymentRefunded,
  paymentVoided,
  stockCommitted,
  stockRejected,
  stockReleased,
  stockReserved,
  streams,
} from "@shop/shared/contracts";
import {
  type EventEnvelope,
  openStore,
  type ProjectionDefinition,
  type Store,
  type StoreDriver,
} from "@shop/shared/kit";
import { createTempDir } from "@shop/shared/testing";
import { orderViews, type Schema, schema } from "../../db/schema.ts";
import { getOrder, getOrderJson } from "./order-queries.ts";
import { ordersProjection } from "./orders-projection.ts";
import { paymentHistoryProjection, stockHistoryProjection } from "./saga-history-projections.ts";

const MIGRATIONS = join(import.meta.dir, "..", "..", "..", "drizzle");
const temp = createTempDir("order-view");
afterAll(() => temp.cleanup());

const projectionOf: Record<string, ProjectionDefinition<Schema>> = {
  [streams.orders.name]: ordersProjection,
  [streams.inventory.name]: stockHistoryProjection,
  [streams.payments.name]: paymentHistoryProjection,
};

/** An event as its stream stored it. */
interface Stored {
  stream: string;
  sequence: number;
  event: EventEnvelope<string, { orderId: string }>;
}

/** Events stored on the three streams the orders read model follows, in the order written. */
function createStreams() {
  const sequences = new Map<string, number>();
  const stored: Stored[] = [];
  let clock = Date.parse("2026-03-01T10:00:00.000Z");
  const append = (
    stream: string,
    contract: { type: string; schema: { parse(data: unknown): unknown } },
    data: { orderId: string } & Record<string, unknown>,
  ): Stored => {
    const sequence = (sequences.get(stream) ?? 0) + 1;
    sequences.set(stream, sequence);
    clock += 7;
    const event = {
      id: `${stream}-${sequence}`,
      type: contract.type,
      source: "test",
      time: new Date(clock).toISOString(),
      version: 1,
      correlationId: data.orderId,
      data: { ...(contract.schema.parse(data) as object), orderId: data.orderId },
    };
    stored.push({ stream, sequence, event });
    return { stream, sequence, event };
  };
  const userId = "u-1";
  const items = [{ sku: "tea", quantity: 2 }];
  const payment = (orderId: string) => ({ orderId, userId, amountCents: 900 });
  return {
    placed: (orderId: string, customer = userId) =>
      append(streams.orders.name, orderPlaced, {
        orderId,
        userId: customer,
        items: [{ sku: "tea", quantity: 2, unitPriceCents: 450 }],
        totalCents: 900,
        paymentMethod: "visa",
      }),
    confirmed: (orderId: string) =>
      append(streams.orders.name, orderConfirmed, { orderId, userId, totalCents: 900 }),
    cancelled: (orderId: string, reason: CancellationReason) =>
      append(streams.orders.name, orderCancelled, { orderId, userId, reason }),
    reserved: (orderId: string) =>
      append(streams.inventory.name, stockReserved, { orderId, items }),
    rejected: (orderId: string) =>
      append(streams.inventory.name, stockRejected, {
        orderId,
        shortages: [{ sku: "tea", requested: 2, available: 1 }],
      }),
    released: (orderId: string, released = items) =>
      append(streams.inventory.name, stockReleased, { orderId, items: released }),
    committed: (orderId: string) =>
      append(streams.inventory.name, stockCommitted, { orderId, items }),
    captured: (orderId: string) =>
      append(streams.payments.name, paymentCaptured, { ...payment(orderId), paymentId: "p-1" }),
    declined: (orderId: string, reason = "card declined") =>
      append(streams.payments.name, paymentDeclined, { ...payment(orderId), reason }),
    refunded: (orderId: string) =>
      append(streams.payments.name, paymentRefunded, { ...payment(orderId), paymentId: "p-1" }),
    voided: (orderId: string) => append(streams.payments.name, paymentVoided, { orderId, userId }),
  };
}

/** The read model in a SQLite file of its own, fed one stored event at a time as its projections are. */
async function createReadModel(driver: StoreDriver, file: string) {
  const store: Store<Schema> = await openStore({
    url: join(temp.path, file),
    driver,
    schema,
    migrationsFolder: MIGRATIONS,
  });
  return {
    store,
    async apply({ stream, sequence, event }: Stored) {
      const projection = projectionOf[stream];
      const handler = projection?.handlers.find((h) => h.type === event.type);
      if (!handler) throw new Error(`no handler for ${event.type} on ${stream}`);
      await store.write((tx) =>
        Promise.resolve(handler.handle(event, { tx, position: { stream, subject: "", sequence } })),
      );
    },
    view: (orderId: string) => getOrderJson(store.read, orderId),
    /** What `GET /orders/:id` sent when it read the order and its timeline per request. */
    async twoQueryRead(orderId: string) {
      const order = await getOrder(store.read, orderId);
      return order && JSON.stringify(order);
    },
  };
}

type ReadModel = Awaited<ReturnType<typeof createReadModel>>;

async function expectViewsAsRead(model: ReadModel, orderIds: string[]) {
  for (const orderId of orderIds)
    expect(await model.view(orderId)).toBe(await model.twoQueryRead(orderId));
}

describe.each(["bun-sqlite", "libsql"] as const)("the order view (%s)", (driver) => {
  const models: ReadModel[] = [];
  const readModel = async (name: string) => {
    const model = await createReadModel(driver, `${driver}-${name}.db`);
    models.push(model);
    return model;
  };
  afterAll(async () => {
    for (const model of models) await model.store.close();
  });

  test("is the two-query read, byte for byte, after every kind of event", async () => {
    const events = createStreams();
    const orderIds = ["confirmed", "declined", "rejected", "customer", "timed-out"];
    const model = await readModel("every-event");
    const saga = [
      events.placed("confirmed"),
      events.placed("declined"),
      events.reserved("confirmed"),
      events.placed("rejected"),
      events.reserved("declined"),
      events.captured("confirmed"),
      events.rejected("rejected"),
      events.declined("declined"),
      events.confirmed("confirmed"),
      events.cancelled("rejected", "out_of_stock"),
      events.cancelled("declined", "payment_declined"),
      events.committed("confirmed"),
      events.voided("rejected"),
      events.released("declined"),
      events.placed("customer"),
      events.reserved("customer"),
      events.captured("customer"),
      events.cancelled("customer", "customer_cancelled"),
      events.released("customer"),
      events.refunded("customer"),
      events.placed("timed-out"),
      events.cancelled("timed-out", "timeout"),
      events.voided("timed-out"),
      events.released("timed-out", []),
    ];
    for (const stored of saga) {
      await model.apply(stored);
      await expectViewsAsRead(model, orderIds);
    }
    const confirmed = JSON.parse((await model.view("confirmed")) ?? "null");
    expect(confirmed.status).toBe("confirmed");
    expect(confirmed.history.map((h: { type: string }) => h.type)).toEqual([
      "order.placed",
      "stock.reserved",
      "payment.captured",
      "order.confirmed",
      "stock.committed",
    ]);
    expect(await model.view("no-such-order")).toBeUndefined();
  });

  test("a timeline that comes before its order is in the view once the order is placed", async () => {
    const events = createStreams();
    const model = await readModel("early-history");
    const placed = events.placed("early");
    const reserved = events.reserved("early");
    const captured = events.captured("early");
    await model.apply(reserved);
    await model.apply(captured);
    expect(await model.view("early")).toBeUndefined();
    await model.apply(placed);
    await expectViewsAsRead(model, ["early"]);
    const types = JSON.parse((await model.view("early")) ?? "null").history.map(
      (h: { type: string }) => h.type,
    );
    expect(types).toEqual(["order.placed", "stock.reserved", "payment.captured"]);
  });

  test("an event applied again leaves the view as it was", async () => {
    const events = createStreams();
    const model = await readModel("replayed");
    const placed = events.placed("again");
    const reserved = events.reserved("again");
    for (const stored of [placed, reserved, placed, reserved]) await model.apply(stored);
    await expectViewsAsRead(model, ["again"]);
    expect(JSON.parse((await model.view("again")) ?? "null").history).toHaveLength(2);
  });

  test("text is escaped as JSON.stringify escapes it", async () => {
    const events = createStreams();
    const model = await readModel("escapes");
    const odd = 'a "quoted" \\ back\nslash\t\u0001 é 😀 \u2028 \u007f';
    await model.apply(events.placed("odd", odd));
    await model.apply(events.rejected("odd"));
    await model.apply(events.declined("odd", odd));
    await expectViewsAsRead(model, ["odd"]);
    const view = JSON.parse((await model.view("odd")) ?? "null");
    expect(view.userId).toBe(odd);
    expect(view.history[1].detail).toBe("tea: 2 requested, 1 available");
    expect(view.history[2].detail).toBe(odd);
  });

  test("a rebuild, each stream replayed at its own pace, writes the same views", async () => {
    const events = createStreams();
    const original = await readModel("before-rebuild");
    const saga = [
      events.placed("a"),
      events.reserved("a"),
      events.placed("b"),
      events.captured("a"),
      events.rejected("b"),
      events.confirmed("a"),
      events.cancelled("b", "out_of_stock"),
      events.committed("a"),
      events.voided("b"),
    ];
    for (const stored of saga) await original.apply(stored);

    const rebuilt = await readModel("rebuilt");
    const byStream = (stream: string) => saga.filter((s) => s.stream === stream);
    for (const stream of [streams.payments.name, streams.inventory.name, streams.orders.name])
      for (const stored of byStream(stream)) await rebuilt.apply(stored);
    for (const orderId of ["a", "b"]) {
      expect(await rebuilt.view(orderId)).toBe(await original.view(orderId));
      expect(await rebuilt.view(orderId)).toBe(await rebuilt.twoQueryRead(orderId));
    }
  });

  test("the migration that adds the views writes those of orders projected before it", async () => {
    const events = createStreams();
    const model = await readModel("filled");
    const saga = [
      events.placed("a"),
      events.reserved("a"),
      events.captured("a"),
      events.confirmed("a"),
      events.placed("b"),
      events.rejected("b"),
      events.cancelled("b", "out_of_stock"),
    ];
    for (const stored of saga) await model.apply(stored);
    const projected = [await model.view("a"), await model.view("b")];
    const fill = readFileSync(join(MIGRATIONS, "0003_fill_order_views.sql"), "utf8");
    await model.store.write(async (tx) => {
      await tx.delete(orderViews);
      await tx.run(fill);
    });
    expect([await model.view("a"), await model.view("b")]).toEqual(projected);
  });
});
