import { expect, test } from "bun:test";
import { consumers } from "@shop/shared/contracts";
import { waitFor } from "@shop/shared/testing";
import {
  createUser,
  placeOrder,
  readStream,
  SERVICE_NAMES,
  type Shop,
  settledOrder,
  stockProduct,
  useShop,
} from "./shop-harness.ts";

// Scaled out: orders for the same units are placed through two orders processes and reserved
// by two inventory processes pulling from one durable consumer, so they are decided in
// different processes at once and only the broker's expected-sequence guards keep them apart.
const INVENTORY_PROCESSES = 2;
const ORDERS_PROCESSES = 2;

const shop = useShop({}, SERVICE_NAMES, {
  replicas: { inventory: INVENTORY_PROCESSES, orders: ORDERS_PROCESSES },
});

/** How many order.placed each inventory process handled, from its own /metrics. */
async function placedHandledPerInventoryProcess(shop: Shop): Promise<number[]> {
  const pattern = new RegExp(
    `messages_handled_total\\{[^}]*consumer="${consumers.inventoryOnOrders.durable}"[^}]*type="order.placed"[^}]*\\} (\\d+)`,
  );
  return Promise.all(
    shop.replicas.inventory.map(async (process) => {
      const text = await (await fetch(`${process.url}/metrics`)).text();
      return Number(text.match(pattern)?.[1] ?? 0);
    }),
  );
}

test("50 concurrent orders for 10 units across two orders and two inventory processes: exactly 10 confirmed, 40 cancelled out_of_stock, nothing oversold", async () => {
  const sku = "last-ten";
  const userId = await createUser(shop, "crowd@example.com");
  // Stocked through the first inventory process only: the other has no view of the sku yet.
  await stockProduct(shop, sku, 1_000, 10);

  const orderIds = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      placeOrder(shop, userId, [{ sku, quantity: 1 }], "visa", i % ORDERS_PROCESSES),
    ),
  );
  expect(new Set(orderIds).size).toBe(50);
  const orders = await Promise.all(orderIds.map((id) => settledOrder(shop, id, 30_000)));

  expect(orders.filter((o) => o.status === "confirmed")).toHaveLength(10);
  const cancelled = orders.filter((o) => o.status === "cancelled");
  expect(cancelled).toHaveLength(40);
  expect(cancelled.every((o) => o.reason === "out_of_stock")).toBe(true);
  expect((await placedHandledPerInventoryProcess(shop)).every((handled) => handled > 0)).toBe(true);

  for (let i = 0; i < INVENTORY_PROCESSES; i++) {
    const product = await waitFor(
      async () => {
        const { body } = await shop.callAt("inventory", i, "GET", `/products/${sku}`);
        return body.reserved === 0 && body.sold === 10 ? body : undefined;
      },
      { message: `inventory process ${i} to show every reservation committed` },
    );
    expect(product).toMatchObject({ available: 0, reserved: 0, sold: 10 });
  }

  const ledger = (await readStream(shop, "INVENTORY")).map((m) => m.event);
  const ours = (type: string) =>
    ledger.filter((e) => e.type === type && orderIds.includes(e.data.orderId));
  const answered = [...ours("stock.reserved"), ...ours("stock.rejected")];
  expect(answered.map((e) => e.data.orderId).sort()).toEqual([...orderIds].sort());
  expect(ours("stock.reserved")).toHaveLength(10);
  const units = (type: string) =>
    ours(type).reduce((sum, e) => sum + (e.data.sku === sku ? e.data.quantity : 0), 0);
  expect({ held: units("stock.held"), sold: units("stock.sold") }).toEqual({ held: 10, sold: 10 });
});
