import { expect, test } from "bun:test";
import { waitFor } from "@shop/shared/testing";
import {
  createUser,
  placeOrder,
  readStream,
  settledOrder,
  stockProduct,
  useShop,
} from "./shop-harness.ts";

const shop = useShop();

test("50 concurrent orders for 10 units: exactly 10 confirmed, 40 cancelled out_of_stock, nothing oversold", async () => {
  const userId = await createUser(shop, "crowd@example.com");
  await stockProduct(shop, "last-ten", 1_000, 10);

  const orderIds = await Promise.all(
    Array.from({ length: 50 }, () => placeOrder(shop, userId, [{ sku: "last-ten", quantity: 1 }])),
  );
  const orders = await Promise.all(orderIds.map((id) => settledOrder(shop, id, 30_000)));

  expect(orders.filter((o) => o.status === "confirmed")).toHaveLength(10);
  const cancelled = orders.filter((o) => o.status === "cancelled");
  expect(cancelled).toHaveLength(40);
  expect(cancelled.every((o) => o.reason === "out_of_stock")).toBe(true);

  const product = await waitFor(
    async () => {
      const { body } = await shop.call("inventory", "GET", "/products/last-ten");
      return body.reserved === 0 ? body : undefined;
    },
    { message: "all reservations committed" },
  );
  expect(product).toMatchObject({ available: 0, reserved: 0, sold: 10 });

  const ledger = await readStream(shop, "INVENTORY");
  const reservedForBatch = ledger.filter(
    (m) => m.event.type === "stock.reserved" && orderIds.includes(m.event.data.orderId),
  );
  expect(reservedForBatch).toHaveLength(10);
});
