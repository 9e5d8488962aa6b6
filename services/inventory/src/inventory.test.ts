import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { consumers, contracts, streams, subjects } from "@shop/shared/contracts";
import { decodeEvent, type EventEnvelope, eventSubject, readSubject } from "@shop/shared/kit";
import { type ServiceTestBed, startServiceTestBed, waitUntil } from "@shop/shared/testing";

const SKU = "MUG-1";

let bed: ServiceTestBed;

beforeAll(async () => {
  bed = await startServiceTestBed({ name: "inventory", entry: `${import.meta.dir}/main.ts` });
});

afterAll(async () => {
  await bed?.stop();
});

/** Every event inventory stored: skus' and orders' subjects alike. */
const inventoryEvents = async () => {
  const { messages } = await readSubject(bed.client, streams.inventory.name, subjects.allInventory);
  return messages.map(
    (message) =>
      decodeEvent(contracts, message) as EventEnvelope<
        string,
        { orderId?: string; items?: unknown }
      >,
  );
};

const placed = (orderId: string) =>
  bed.publisher.envelope(
    {
      type: "order.placed",
      data: {
        orderId,
        userId: "u-1",
        items: [{ sku: SKU, quantity: 1, unitPriceCents: 1200 }],
        totalCents: 1200,
        paymentMethod: "card",
      },
    },
    { subject: subjects.order(orderId) },
  );

/** Resolves once the inventory consumer has handled and acked everything up to `sequence` of ORDERS. */
const ordersHandledUpTo = (sequence: number) =>
  waitUntil(
    async () => {
      const info = await bed.client.jsm.consumers.info(
        streams.orders.name,
        consumers.inventoryOnOrders.durable,
      );
      return (
        info.ack_floor.stream_seq >= sequence &&
        info.num_pending === 0 &&
        info.num_ack_pending === 0
      );
    },
    { timeoutMs: 10_000, message: `inventory-on-orders to handle ORDERS up to ${sequence}` },
  );

const productNow = async () =>
  (await bed.api("GET", `/products/${SKU}`)).body as Record<string, unknown>;

describe("inventory service", () => {
  test("answers product requests and validates them", async () => {
    expect(await bed.api("POST", "/products/NOPE/restock", { quantity: 1 })).toMatchObject({
      status: 404,
      body: { code: "product.not-found" },
    });
    expect(await bed.api("GET", "/products/NOPE")).toMatchObject({
      status: 404,
      body: { code: "product.not-found" },
    });
    expect((await bed.api("PUT", "/products/not.a.sku", { name: "X", priceCents: 1 })).status).toBe(
      422,
    );
    expect((await bed.api("PUT", `/products/${SKU}-X`, { name: "X", priceCents: -1 })).status).toBe(
      422,
    );
  });

  test("reserves exactly the units on hand for 30 racing orders, releases on cancel, ignores repeats", async () => {
    expect(await bed.api("PUT", `/products/${SKU}`, { name: "Mug", priceCents: 1200 })).toEqual({
      status: 200,
      body: { sku: SKU, name: "Mug", priceCents: 1200, available: 0, reserved: 0, sold: 0 },
    });
    expect(await bed.api("POST", `/products/${SKU}/restock`, { quantity: 10 })).toMatchObject({
      status: 200,
      body: { available: 10, reserved: 0 },
    });

    const orders = Array.from({ length: 30 }, (_, i) => placed(`o-${i}`));
    await Promise.all(
      orders.map((envelope) => bed.publish(envelope, subjects.order(envelope.data.orderId))),
    );

    let answers: EventEnvelope<string, { orderId?: string }>[] = [];
    await waitUntil(
      async () => {
        answers = (await inventoryEvents()).filter(
          (e) => e.type === "stock.reserved" || e.type === "stock.rejected",
        );
        return answers.length >= 30;
      },
      { timeoutMs: 15_000, message: "30 answers from inventory" },
    );
    expect(answers.filter((e) => e.type === "stock.reserved")).toHaveLength(10);
    expect(answers.filter((e) => e.type === "stock.rejected")).toHaveLength(20);
    expect(new Set(answers.map((e) => e.data.orderId)).size).toBe(30);
    const byOrder = new Map(orders.map((envelope) => [envelope.data.orderId, envelope]));
    for (const answer of answers) {
      const cause = byOrder.get(answer.data.orderId ?? "")!;
      expect([answer.correlationId, answer.causationId]).toEqual([cause.correlationId, cause.id]);
    }
    await waitUntil(async () => (await productNow()).reserved === 10, {
      message: "the products projection to show 10 reserved",
    });
    expect(await productNow()).toMatchObject({ available: 0, reserved: 10, sold: 0 });

    const reservedOrder = answers.find((e) => e.type === "stock.reserved")?.data.orderId as string;
    const rejectedOrder = answers.find((e) => e.type === "stock.rejected")?.data.orderId as string;
    const cancelled = bed.publisher.envelope(
      {
        type: "order.cancelled",
        data: { orderId: reservedOrder, userId: "u-1", reason: "payment_declined" },
      },
      { subject: subjects.order(reservedOrder) },
    );
    await bed.publish(cancelled, subjects.order(reservedOrder));
    await waitUntil(async () => (await productNow()).available === 1, {
      message: "the cancelled order's unit to be available again",
    });
    expect(await productNow()).toMatchObject({ available: 1, reserved: 9, sold: 0 });
    const released = (await inventoryEvents()).filter((e) => e.type === "stock.released");
    expect(released).toHaveLength(1);
    expect(released[0]).toMatchObject({
      correlationId: cancelled.correlationId,
      causationId: cancelled.id,
      data: { orderId: reservedOrder, items: [{ sku: SKU, quantity: 1 }] },
    });

    const storedBefore = (await inventoryEvents()).length;
    const original = byOrder.get(reservedOrder)!;
    const again = await bed.publisher.publish(
      eventSubject(subjects.order(reservedOrder), original.type),
      original,
    );
    expect(again.duplicate).toBe(true);
    // The same event arriving again after the broker's dedupe window: only the consumer can tell.
    await bed.publishAgain(original, subjects.order(reservedOrder));
    await bed.publish(placed(reservedOrder), subjects.order(reservedOrder));
    const last = await bed.publish(placed(rejectedOrder), subjects.order(rejectedOrder));
    await ordersHandledUpTo(last.sequence);

    expect(await inventoryEvents()).toHaveLength(storedBefore);
    expect(await productNow()).toMatchObject({ available: 1, reserved: 9, sold: 0 });
    expect((await bed.api("GET", "/products")).body).toEqual([
      { sku: SKU, name: "Mug", priceCents: 1200, available: 1, reserved: 9, sold: 0 },
    ]);
  });

  test("after a restart (nothing cached), an order for a stocked sku is reserved, not rejected", async () => {
    const sku = "RESTART-1";
    expect((await bed.api("PUT", `/products/${sku}`, { name: "R", priceCents: 100 })).status).toBe(
      200,
    );
    expect((await bed.api("POST", `/products/${sku}/restock`, { quantity: 3 })).status).toBe(200);
    await bed.service.restart();
    const order = bed.publisher.envelope(
      {
        type: "order.placed",
        data: {
          orderId: "o-after-restart",
          userId: "u-1",
          items: [{ sku, quantity: 2, unitPriceCents: 100 }],
          totalCents: 200,
          paymentMethod: "card",
        },
      },
      { subject: subjects.order("o-after-restart") },
    );
    const placed = await bed.publish(order);
    await ordersHandledUpTo(placed.sequence);
    const answers = (await inventoryEvents()).filter((e) => e.data.orderId === "o-after-restart");
    expect(answers.map((e) => e.type)).toEqual(["stock.reserved", "stock.held"]);
  });

  test("a restock retried with its Idempotency-Key (after a lost answer) adds its units once", async () => {
    const sku = "RETRY-1";
    expect((await bed.api("PUT", `/products/${sku}`, { name: "R", priceCents: 100 })).status).toBe(
      200,
    );
    const restock = () =>
      fetch(`${bed.service.url}/products/${sku}/restock`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "restock-42" },
        body: JSON.stringify({ quantity: 7 }),
      });
    const first = await restock();
    expect(first.status).toBe(200);
    // The client never saw that answer and sends the same request again, twice.
    const [second, third] = await Promise.all([restock(), restock()]);
    expect([second.status, third.status]).toEqual([200, 200]);
    expect(await third.json()).toMatchObject({ sku, available: 7 });
    const restocks = (await inventoryEvents()).filter(
      (e) => e.type === "stock.restocked" && (e.data as { sku?: string }).sku === sku,
    );
    expect(restocks).toHaveLength(1);
    // Without a key, each request is a restock of its own.
    expect((await bed.api("POST", `/products/${sku}/restock`, { quantity: 1 })).body).toMatchObject(
      {
        available: 8,
      },
    );
  });
});
