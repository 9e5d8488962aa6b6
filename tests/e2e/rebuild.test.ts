import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "@shop/shared/testing";
import {
  createUser,
  placeOrder,
  SERVICE_NAMES,
  settledOrder,
  stockProduct,
  useShop,
} from "./shop-harness.ts";

const shop = useShop();

test("each service rebuilds the same query results after its database file is deleted", async () => {
  const userId = await createUser(shop, "rebuild@example.com", "Re Build");
  await stockProduct(shop, "lamp", 3_000, 5);
  const ok = await placeOrder(shop, userId, [{ sku: "lamp", quantity: 2 }]);
  const declined = await placeOrder(shop, userId, [{ sku: "lamp", quantity: 1 }], "card_declined");
  const rejected = await placeOrder(shop, userId, [{ sku: "lamp", quantity: 50 }]);
  for (const id of [ok, declined, rejected]) await settledOrder(shop, id);

  const queries: Record<(typeof SERVICE_NAMES)[number], string[]> = {
    users: [`/users/${userId}`],
    orders: [
      `/orders/${ok}`,
      `/orders/${declined}`,
      `/orders/${rejected}`,
      `/orders?userId=${userId}`,
    ],
    inventory: ["/products/lamp", "/products"],
    payments: [
      `/payments?orderId=${ok}`,
      `/payments?orderId=${declined}`,
      `/payments?userId=${userId}`,
    ],
    notifications: [`/notifications?userId=${userId}`],
  };
  const snapshot = async (service: (typeof SERVICE_NAMES)[number]) =>
    Promise.all(queries[service].map(async (path) => (await shop.call(service, "GET", path)).body));

  // Let every asynchronous step finish (notifications are last), then take the reference answers.
  await waitFor(
    async () => {
      const { body } = await shop.call("notifications", "GET", `/notifications?userId=${userId}`);
      return body.notifications.length === 4 ? true : undefined;
    },
    { message: "welcome + 3 order notifications" },
  );
  await waitFor(
    async () =>
      (await shop.call("inventory", "GET", "/products/lamp")).body.reserved === 0
        ? true
        : undefined,
    {
      message: "reservations settled",
    },
  );

  for (const service of SERVICE_NAMES) {
    const before = await snapshot(service);
    await shop.services[service].stop();
    for (const suffix of ["", "-wal", "-shm"])
      rmSync(join(shop.data.path, `${service}.db${suffix}`), { force: true });
    await shop.services[service].restart();
    expect(await snapshot(service)).toEqual(before);
  }
});
