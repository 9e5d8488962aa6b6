import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { consumers, contracts, streams, subjects } from "@shop/shared/contracts";
import { aggregateEvents, decodeEvent, type EventEnvelope, readSubject } from "@shop/shared/kit";
import { type ServiceTestBed, startServiceTestBed, waitUntil } from "@shop/shared/testing";

// Two inventory processes pull from the one durable consumer, so orders for the same units are
// decided in different processes at once: only the broker's expected-sequence guard on each
// sku keeps them from both holding the last unit (the in-process lock cannot see the other).
const REPLICAS = 2;

let bed: ServiceTestBed;

beforeAll(async () => {
  bed = await startServiceTestBed({
    name: "inventory",
    entry: `${import.meta.dir}/main.ts`,
    replicas: REPLICAS,
  });
});

afterAll(async () => {
  await bed?.stop();
});

type Line = { sku: string; quantity: number };
type Shortage = { sku: string; requested: number; available: number };
type StockData = {
  orderId?: string;
  sku?: string;
  quantity?: number;
  items?: Line[];
  shortages?: Shortage[];
};
type Product = { sku: string; available: number; reserved: number; sold: number };

const inventoryEvents = async () => {
  const { messages } = await readSubject(bed.client, streams.inventory.name, subjects.allInventory);
  return messages.map(
    (message) => decodeEvent(contracts, message) as EventEnvelope<string, StockData>,
  );
};

/**
 * The sku's counts folded from its own subject in the stream (what the broker holds as true),
 * and the fewest units it ever had available: below zero means it was oversold at some point.
 */
async function storedCounts(sku: string) {
  const { messages } = await readSubject(
    bed.client,
    streams.inventory.name,
    aggregateEvents(subjects.sku(sku)),
  );
  const counts = { restocked: 0, available: 0, reserved: 0, sold: 0 };
  let lowest = 0;
  for (const message of messages) {
    const { type, data } = decodeEvent(contracts, message) as EventEnvelope<string, StockData>;
    const quantity = data.quantity ?? 0;
    if (type === "stock.restocked") {
      counts.restocked += quantity;
      counts.available += quantity;
    } else if (type === "stock.held") {
      counts.available -= quantity;
      counts.reserved += quantity;
    } else if (type === "stock.unheld") {
      counts.available += quantity;
      counts.reserved -= quantity;
    } else if (type === "stock.sold") {
      counts.reserved -= quantity;
      counts.sold += quantity;
    }
    lowest = Math.min(lowest, counts.available);
  }
  return { counts, lowestAvailable: lowest };
}

const orderEvent = (
  orderId: string,
  event:
    | { type: "order.placed"; items: Line[] }
    | { type: "order.confirmed" }
    | { type: "order.cancelled" },
) => {
  const userId = "u-race";
  const data =
    event.type === "order.placed"
      ? {
          orderId,
          userId,
          items: event.items.map((line) => ({ ...line, unitPriceCents: 100 })),
          totalCents: 100 * event.items.reduce((sum, line) => sum + line.quantity, 0),
          paymentMethod: "card",
        }
      : event.type === "order.confirmed"
        ? { orderId, userId, totalCents: 100 }
        : { orderId, userId, reason: "customer_cancelled" };
  const envelope = bed.publisher.envelope({ type: event.type, data } as never, {
    subject: subjects.order(orderId),
  });
  return bed.publish(envelope, subjects.order(orderId));
};

/** Resolves once both processes together have handled and acked everything stored on ORDERS. */
const ordersSettled = () =>
  waitUntil(
    async () => {
      const last = (await bed.client.jsm.streams.info(streams.orders.name)).state.last_seq;
      const info = await bed.client.jsm.consumers.info(
        streams.orders.name,
        consumers.inventoryOnOrders.durable,
      );
      return (
        info.ack_floor.stream_seq >= last && info.num_pending === 0 && info.num_ack_pending === 0
      );
    },
    { timeoutMs: 60_000, message: "inventory-on-orders to ack everything on ORDERS" },
  );

/**
 * Defines and restocks a sku through the first process only: the others start with no view of
 * it, so an order they take first is decided on a stale view and must be decided again.
 */
async function stockSku(sku: string, units: number) {
  expect(
    (await bed.apiAt(0, "PUT", `/products/${sku}`, { name: sku, priceCents: 100 })).status,
  ).toBe(200);
  expect(await bed.apiAt(0, "POST", `/products/${sku}/restock`, { quantity: units })).toMatchObject(
    { status: 200, body: { available: units, reserved: 0 } },
  );
}

/** How many order.placed each process handled, from its own /metrics. */
async function placedHandledPerProcess(): Promise<number[]> {
  const pattern = new RegExp(
    `messages_handled_total\\{[^}]*consumer="${consumers.inventoryOnOrders.durable}"[^}]*type="order.placed"[^}]*\\} (\\d+)`,
  );
  return Promise.all(
    bed.replicas.map(async (replica) => {
      const text = await (await fetch(`${replica.url}/metrics`)).text();
      return Number(text.match(pattern)?.[1] ?? 0);
    }),
  );
}

/** Every process's read model shows the counts folded from the stream. */
async function expectReadModelsToShow(sku: string, counts: Omit<Product, "sku">) {
  for (let i = 0; i < REPLICAS; i++) {
    await waitUntil(
      async () => {
        const { body } = await bed.apiAt<Product>(i, "GET", `/products/${sku}`);
        return (
          body.available === counts.available &&
          body.reserved === counts.reserved &&
          body.sold === counts.sold
        );
      },
      { message: `process ${i}'s products read model to show ${JSON.stringify(counts)}` },
    );
    expect((await bed.apiAt<Product>(i, "GET", `/products/${sku}`)).body).toMatchObject(counts);
  }
}

describe("inventory scaled out to two processes on one broker", () => {
  test("40 orders racing across both processes for 10 units of one sku: exactly 10 held, each order answered once", async () => {
    const sku = "RACE-ONE";
    await stockSku(sku, 10);
    const orderIds = Array.from({ length: 40 }, (_, i) => `one-${i}`);
    const handledBefore = await placedHandledPerProcess();

    await Promise.all(
      orderIds.map((id) => orderEvent(id, { type: "order.placed", items: [{ sku, quantity: 1 }] })),
    );
    await ordersSettled();

    const handled = (await placedHandledPerProcess()).map((n, i) => n - (handledBefore[i] ?? 0));
    expect(handled.every((n) => n > 0)).toBe(true);
    const answers = (await inventoryEvents()).filter(
      (e) =>
        (e.type === "stock.reserved" || e.type === "stock.rejected") &&
        orderIds.includes(e.data.orderId ?? ""),
    );
    expect(answers.map((e) => e.data.orderId).sort()).toEqual([...orderIds].sort());
    // Stock only went down during the race, so a refusal decided on the sku as stored came after
    // all 10 holds (in stream order) and saw none left; one decided on a stale view comes early.
    expect(answers.map((e) => e.type)).toEqual([
      ...Array(10).fill("stock.reserved"),
      ...Array(30).fill("stock.rejected"),
    ]);
    for (const rejected of answers.filter((e) => e.type === "stock.rejected"))
      expect(rejected.data.shortages).toEqual([{ sku, requested: 1, available: 0 }]);

    expect(await storedCounts(sku)).toEqual({
      counts: { restocked: 10, available: 0, reserved: 10, sold: 0 },
      lowestAvailable: 0,
    });
    await expectReadModelsToShow(sku, { available: 0, reserved: 10, sold: 0 });
  });

  test("multi-sku orders racing across both processes, with cancellations racing their placement: no sku oversold, stock conserved", async () => {
    const units = { "RACE-A": 6, "RACE-B": 4 } as const;
    await Promise.all(Object.entries(units).map(([sku, n]) => stockSku(sku, n)));
    const shapes: Line[][] = [
      [
        { sku: "RACE-A", quantity: 1 },
        { sku: "RACE-B", quantity: 1 },
      ],
      [{ sku: "RACE-A", quantity: 1 }],
      [{ sku: "RACE-B", quantity: 1 }],
      [
        { sku: "RACE-B", quantity: 1 },
        { sku: "RACE-A", quantity: 2 },
      ],
    ];
    const orders = Array.from({ length: 36 }, (_, i) => ({
      orderId: `multi-${i}`,
      items: shapes[i % shapes.length] as Line[],
      cancelled: i % 3 === 0,
    }));

    // A cancelled order's cancellation is published alongside its placement, so a process may
    // release it while another is reserving it.
    await Promise.all(
      orders.flatMap(({ orderId, items, cancelled }) => [
        orderEvent(orderId, { type: "order.placed", items }),
        ...(cancelled ? [orderEvent(orderId, { type: "order.cancelled" })] : []),
      ]),
    );
    await ordersSettled();

    const events = (await inventoryEvents()).filter((e) => e.data.orderId?.startsWith("multi-"));
    const of = (orderId: string, type: string) =>
      events.filter((e) => e.data.orderId === orderId && e.type === type);
    for (const { orderId, cancelled } of orders) {
      const answers = [...of(orderId, "stock.reserved"), ...of(orderId, "stock.rejected")];
      if (!cancelled) {
        expect(answers).toHaveLength(1);
        expect(of(orderId, "stock.released")).toHaveLength(0);
        continue;
      }
      // Either inventory answered and the release followed (nothing to give back after a
      // refusal), or the release came first and the late placement got no answer at all.
      const releases = of(orderId, "stock.released");
      expect(answers.length).toBeLessThanOrEqual(1);
      expect(releases).toHaveLength(answers[0]?.type === "stock.rejected" ? 0 : 1);
    }

    const reserved = orders.filter(({ orderId }) => of(orderId, "stock.reserved").length === 1);
    await Promise.all(
      reserved
        .filter(({ cancelled }) => !cancelled)
        .map(({ orderId }) => orderEvent(orderId, { type: "order.confirmed" })),
    );
    await ordersSettled();

    for (const [sku, restocked] of Object.entries(units)) {
      const sold = reserved
        .filter(({ cancelled }) => !cancelled)
        .flatMap(({ items }) => items)
        .filter((line) => line.sku === sku)
        .reduce((sum, line) => sum + line.quantity, 0);
      expect(sold).toBeLessThanOrEqual(restocked);
      expect(await storedCounts(sku)).toEqual({
        counts: { restocked, available: restocked - sold, reserved: 0, sold },
        lowestAvailable: 0,
      });
      await expectReadModelsToShow(sku, { available: restocked - sold, reserved: 0, sold });
    }
  });
});
