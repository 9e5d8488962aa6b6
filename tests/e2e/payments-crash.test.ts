import { expect, test } from "bun:test";
import { waitUntil } from "@shop/shared/testing";
import {
  createUser,
  placeOrder,
  readStream,
  settledOrder,
  stockProduct,
  useShop,
} from "./shop-harness.ts";

const shop = useShop();

test("payments killed with SIGKILL mid-flow: every order still settles and none is charged twice", async () => {
  const userId = await createUser(shop, "crash@example.com");
  await stockProduct(shop, "mug", 1_200, 1_000);

  const orderIds: string[] = [];
  for (let i = 0; i < 10; i++)
    orderIds.push(await placeOrder(shop, userId, [{ sku: "mug", quantity: 1 }]));
  // Kill while those are still flowing, then keep placing orders while payments is down.
  await shop.services.payments.kill();
  for (let i = 0; i < 10; i++)
    orderIds.push(
      await placeOrder(
        shop,
        userId,
        [{ sku: "mug", quantity: 1 }],
        i % 4 === 0 ? "card_declined" : "visa",
      ),
    );
  await shop.services.payments.restart();

  const orders = await Promise.all(orderIds.map((id) => settledOrder(shop, id, 30_000)));
  expect(orders.every((o) => o.status === "confirmed" || o.status === "cancelled")).toBe(true);
  expect(
    orders.filter((o) => o.status === "cancelled").every((o) => o.reason === "payment_declined"),
  ).toBe(true);

  const payments = await readStream(shop, "PAYMENTS");
  for (const orderId of orderIds) {
    const captures = payments.filter(
      (m) => m.event.type === "payment.captured" && m.event.data.orderId === orderId,
    );
    expect(captures.length).toBeLessThanOrEqual(1);
  }
  const confirmed = orders.filter((o) => o.status === "confirmed").map((o) => o.id);
  const captured = new Set(
    payments.filter((m) => m.event.type === "payment.captured").map((m) => m.event.data.orderId),
  );
  expect(confirmed.every((id) => captured.has(id))).toBe(true);

  await waitUntil(
    async () => (await shop.call("inventory", "GET", "/products/mug")).body.reserved === 0,
    { message: "reservations settled" },
  );
  const mug = (await shop.call("inventory", "GET", "/products/mug")).body;
  expect(mug.sold).toBe(confirmed.length);
  expect(mug.available).toBe(1_000 - confirmed.length);
});
