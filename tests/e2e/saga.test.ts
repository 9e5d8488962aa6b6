import { beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "@shop/shared/testing";
import {
  createUser,
  placeOrder,
  readStream,
  settledOrder,
  stockProduct,
  useShop,
} from "./shop-harness.ts";

const shop = useShop({
  all: { ORDER_TIMEOUT_MS: "4000", ORDER_TIMEOUT_SWEEP_MS: "200", PAYMENT_LIMIT_CENTS: "100000" },
});
let userId: string;

const product = async (sku: string) =>
  (await shop.call("inventory", "GET", `/products/${sku}`)).body;
const payments = async (orderId: string) =>
  (await shop.call("payments", "GET", `/payments?orderId=${orderId}`)).body;
const notificationsOf = async (orderId: string) =>
  (
    await shop.call("notifications", "GET", `/notifications?userId=${userId}`)
  ).body.notifications.filter((n: { orderId?: string }) => n.orderId === orderId);
const historyTypes = (order: { history: { type: string }[] }) => order.history.map((h) => h.type);

/** Waits until a read model shows what the saga's last step implies (read models follow the streams). */
const eventually = <T>(read: () => Promise<T>, accept: (value: T) => boolean, message: string) =>
  waitFor(
    async () => {
      const value = await read();
      return accept(value) ? value : undefined;
    },
    { message, timeoutMs: 10_000 },
  );

beforeAll(async () => {
  userId = await createUser(shop, "saga@example.com", "Saga Tester");
  await stockProduct(shop, "tea", 450, 10);
  await stockProduct(shop, "rare", 9_900, 1);
  await stockProduct(shop, "piano", 250_000, 5);
});

describe("the order saga", () => {
  test("a paid order with stock is confirmed, its units sold and its payment captured", async () => {
    const orderId = await placeOrder(shop, userId, [{ sku: "tea", quantity: 2 }]);
    const order = await settledOrder(shop, orderId);
    expect(order.status).toBe("confirmed");
    expect(order.totalCents).toBe(900);
    expect(historyTypes(order)).toEqual(
      expect.arrayContaining([
        "order.placed",
        "stock.reserved",
        "payment.captured",
        "order.confirmed",
      ]),
    );
    const tea = await eventually(
      () => product("tea"),
      (p) => p.sold === 2,
      "tea sold",
    );
    expect(tea).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    const [payment] = (await payments(orderId)).payments;
    expect(payment).toMatchObject({ orderId, status: "captured", amountCents: 900 });
    const sent = await eventually(
      () => notificationsOf(orderId),
      (n) => n.length === 1,
      "confirmation notification",
    );
    expect(sent[0].template).toBe("order_confirmed");
  });

  test("an order without enough stock is cancelled out_of_stock and nothing is held or charged", async () => {
    const orderId = await placeOrder(shop, userId, [{ sku: "rare", quantity: 2 }]);
    const order = await settledOrder(shop, orderId);
    expect(order).toMatchObject({ status: "cancelled", reason: "out_of_stock" });
    expect(historyTypes(order)).toContain("stock.rejected");
    expect(await product("rare")).toMatchObject({ available: 1, reserved: 0, sold: 0 });
    // Payments learns of the cancellation and records that no charge will ever be made.
    const [payment] = await eventually(
      () => payments(orderId).then((b) => b.payments),
      (p) => p.length === 1,
      "payment voided",
    );
    expect(payment).toMatchObject({ orderId, userId, status: "voided", paymentId: null });
    const sent = await eventually(
      () => notificationsOf(orderId),
      (n) => n.length === 1,
      "cancellation notification",
    );
    expect(sent[0].template).toBe("order_cancelled");
  });

  test("a declined card cancels the order payment_declined and releases its stock", async () => {
    const orderId = await placeOrder(shop, userId, [{ sku: "tea", quantity: 3 }], "card_declined");
    const order = await settledOrder(shop, orderId);
    expect(order).toMatchObject({ status: "cancelled", reason: "payment_declined" });
    await eventually(
      () => shop.call("orders", "GET", `/orders/${orderId}`).then((r) => historyTypes(r.body)),
      (t) => t.includes("stock.released"),
      "stock released",
    );
    expect(await product("tea")).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    expect((await payments(orderId)).payments[0]).toMatchObject({ status: "declined" });
    await eventually(
      () => notificationsOf(orderId),
      (n) => n.length === 1 && n[0].template === "order_cancelled",
      "cancellation notification",
    );
  });

  test("an amount above the payment limit is declined", async () => {
    const orderId = await placeOrder(shop, userId, [{ sku: "piano", quantity: 1 }]);
    expect(await settledOrder(shop, orderId)).toMatchObject({
      status: "cancelled",
      reason: "payment_declined",
    });
    await eventually(
      () => product("piano"),
      (p) => p.available === 5 && p.reserved === 0,
      "piano released",
    );
  });

  test("a retried POST with the same Idempotency-Key places the order once", async () => {
    const post = () =>
      fetch(`${shop.services.orders.url}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "retry-me-1" },
        body: JSON.stringify({
          userId,
          items: [{ sku: "tea", quantity: 1 }],
          paymentMethod: "visa",
        }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { orderId: string } }));
    const first = await post();
    const retried = await post();
    expect([first.status, retried.status]).toEqual([202, 202]);
    expect(retried.body.orderId).toBe(first.body.orderId);
    expect((await settledOrder(shop, first.body.orderId)).status).toBe("confirmed");
    const placed = (await readStream(shop, "ORDERS")).filter(
      (m) => m.event.type === "order.placed" && m.event.data.orderId === first.body.orderId,
    );
    expect(placed).toHaveLength(1);
  });

  test("a confirmed order cannot be cancelled by the customer (409)", async () => {
    const orderId = await placeOrder(shop, userId, [{ sku: "tea", quantity: 1 }]);
    expect((await settledOrder(shop, orderId)).status).toBe("confirmed");
    const { status, body } = await shop.call("orders", "POST", `/orders/${orderId}/cancel`);
    expect(status).toBe(409);
    expect(body.code).toBe("order.already-confirmed");
  });

  test("with payments down: a customer cancel and a timeout both release the stock, and nothing is charged later", async () => {
    await shop.services.payments.stop();
    const teaBefore = await product("tea");
    const cancelledByCustomer = await placeOrder(shop, userId, [{ sku: "tea", quantity: 1 }]);
    const timedOut = await placeOrder(shop, userId, [{ sku: "tea", quantity: 1 }]);
    await eventually(
      () => product("tea"),
      (p) => p.reserved === 2,
      "both orders reserved",
    );

    const cancel = await shop.call("orders", "POST", `/orders/${cancelledByCustomer}/cancel`);
    expect(cancel.status).toBe(200);
    expect(await settledOrder(shop, cancelledByCustomer)).toMatchObject({
      status: "cancelled",
      reason: "customer_cancelled",
    });
    expect(
      (await shop.call("orders", "POST", `/orders/${cancelledByCustomer}/cancel`)).status,
    ).toBe(409);

    expect(await settledOrder(shop, timedOut, 15_000)).toMatchObject({
      status: "cancelled",
      reason: "timeout",
    });
    await eventually(
      () => product("tea"),
      (p) => p.reserved === 0,
      "stock released",
    );
    expect((await product("tea")).available).toBe(teaBefore.available);

    await shop.services.payments.restart();
    for (const orderId of [cancelledByCustomer, timedOut]) {
      const [payment] = await eventually(
        () => payments(orderId).then((b) => b.payments),
        (p) => p.length === 1,
        "payment voided",
      );
      expect(payment.status).toBe("voided");
    }
  });
});
