import { expect, test } from "bun:test";
import { headers } from "@nats-io/nats-core";
import { waitFor } from "@shop/shared/testing";
import { readStream, useShop } from "./shop-harness.ts";

const shop = useShop();

/** What `nats pub <subject> '<json>'` does: a plain core-NATS publish that the stream captures. */
const natsPub = async (subject: string, payload: string, hdrs?: Record<string, string>) => {
  const h = headers();
  for (const [k, v] of Object.entries(hdrs ?? {})) h.set(k, v);
  shop.nc.publish(subject, payload, hdrs ? { headers: h } : undefined);
  await shop.nc.flush();
};

test("a plain JSON event published by hand is processed; a malformed one is dead-lettered with its reason and nothing stops", async () => {
  await natsPub("inventory.sku.cli-tea", "this is not json");
  await natsPub(
    "inventory.sku.cli-tea",
    JSON.stringify({
      specversion: "1.0",
      id: "manual-1",
      source: "/cli",
      type: "product.defined",
      data: { sku: "cli-tea", name: "CLI Tea", priceCents: 300 },
    }),
  );
  // Binary mode: attributes as ce-* headers, the data alone as the payload.
  await natsPub("inventory.sku.cli-tea", JSON.stringify({ sku: "cli-tea", quantity: 7 }), {
    "ce-specversion": "1.0",
    "ce-id": "manual-2",
    "ce-source": "/cli",
    "ce-type": "stock.restocked",
    "content-type": "application/json",
  });

  const product = await waitFor(
    async () => {
      const { status, body } = await shop.call("inventory", "GET", "/products/cli-tea");
      return status === 200 && body.available === 7 ? body : undefined;
    },
    { message: "the hand-published product and restock to be applied" },
  );
  expect(product).toMatchObject({ name: "CLI Tea", priceCents: 300, available: 7 });

  const letters = await waitFor(
    async () => {
      const all = await readStream(shop, "DEADLETTER").catch(() => []);
      const mine = all.filter((m) => m.event.payload === "this is not json");
      return mine.length > 0 ? mine : undefined;
    },
    { message: "the malformed event in DEADLETTER" },
  );
  const [letter] = letters;
  expect(letter?.event).toMatchObject({
    stream: "INVENTORY",
    subject: "inventory.sku.cli-tea",
    code: "event.malformed",
  });
  expect(letter?.event.reason).toContain("not valid JSON");
  expect(letter?.event.streamSequence).toBe(1);

  // Consumers kept going: an order-side reaction to the catalog still works afterwards.
  const user = await shop.call("users", "POST", "/users", {
    email: "cli@example.com",
    name: "Cli",
  });
  expect(user.status).toBe(201);
});
