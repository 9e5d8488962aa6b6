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

/** Waits until DEADLETTER holds letters matching `match`, and returns them. */
const deadLettersWhere = (match: (letter: any) => boolean, what: string) =>
  waitFor(
    async () => {
      const all = await readStream(shop, "DEADLETTER").catch(() => []);
      const mine = all.filter((m) => match(m.event));
      return mine.length > 0 ? mine : undefined;
    },
    { message: `${what} in DEADLETTER` },
  );

test("a plain JSON event published by hand is processed; a malformed one, or one on another type's subject, is dead-lettered with its reason and nothing stops", async () => {
  await natsPub("inventory.sku.cli-tea.product.defined", "this is not json");
  await natsPub(
    "inventory.sku.cli-tea.product.defined",
    JSON.stringify({
      specversion: "1.0",
      id: "manual-1",
      source: "/cli",
      type: "product.defined",
      data: { sku: "cli-tea", name: "CLI Tea", priceCents: 300 },
    }),
  );
  // Binary mode: attributes as ce-* headers, the data alone as the payload.
  const restockHeaders = (id: string) => ({
    "ce-specversion": "1.0",
    "ce-id": id,
    "ce-source": "/cli",
    "ce-type": "stock.restocked",
    "content-type": "application/json",
  });
  // A restock stored where product definitions go: no consumer may apply it.
  await natsPub(
    "inventory.sku.cli-tea.product.defined",
    JSON.stringify({ sku: "cli-tea", quantity: 100 }),
    restockHeaders("manual-misplaced"),
  );
  await natsPub(
    "inventory.sku.cli-tea.stock.restocked",
    JSON.stringify({ sku: "cli-tea", quantity: 7 }),
    restockHeaders("manual-2"),
  );

  const product = await waitFor(
    async () => {
      const { status, body } = await shop.call("inventory", "GET", "/products/cli-tea");
      return status === 200 && body.available === 7 ? body : undefined;
    },
    { message: "the hand-published product and restock to be applied" },
  );
  expect(product).toMatchObject({ name: "CLI Tea", priceCents: 300, available: 7 });

  const letters = await deadLettersWhere(
    (letter) => letter.payload === "this is not json",
    "the malformed event",
  );
  const [letter] = letters;
  expect(letter?.event).toMatchObject({
    stream: "INVENTORY",
    subject: "inventory.sku.cli-tea.product.defined",
    code: "event.malformed",
  });
  expect(letter?.event.reason).toContain("not valid JSON");
  expect(letter?.event.streamSequence).toBe(1);

  const misplaced = await deadLettersWhere(
    (letter) => letter.code === "event.subject-mismatch",
    "the misplaced restock",
  );
  expect(misplaced[0]?.event).toMatchObject({ stream: "INVENTORY", streamSequence: 3 });
  expect(misplaced[0]?.event.reason).toContain("stock.restocked");
  expect((await shop.call("inventory", "GET", "/products/cli-tea")).body.available).toBe(7);

  // Consumers kept going: an order-side reaction to the catalog still works afterwards.
  const user = await shop.call("users", "POST", "/users", {
    email: "cli@example.com",
    name: "Cli",
  });
  expect(user.status).toBe(201);
});
