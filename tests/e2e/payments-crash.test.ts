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

/**
 * The card gateway answers each charge this long after storing it, so payments can be killed
 * while a charge is taken but not yet answered: the window in which a retry could charge twice.
 */
const GATEWAY_LATENCY_MS = 2_000;
const PRICE_CENTS = 1_200;

const shop = useShop({ "card-gateway": { CARD_GATEWAY_LATENCY_MS: String(GATEWAY_LATENCY_MS) } });

interface Charge {
  id: string;
  idempotencyKey: string;
  status: "captured" | "declined";
  amountCents: number;
  refundedCents: number;
}

/** Every charge attempt on the card gateway's own ledger. */
const gatewayCharges = async (): Promise<Charge[]> => {
  const response = await fetch(`${shop.cardGateway.url}/charges`);
  if (response.status !== 200) throw new Error(`GET /charges → ${response.status}`);
  return ((await response.json()) as { charges: Charge[] }).charges;
};
const captured = (charges: Charge[]) => charges.filter((c) => c.status === "captured");

/** Per order, the `payment.captured` events in the PAYMENTS stream. */
const capturedEvents = async () => {
  const events = (await readStream(shop, "PAYMENTS")).map((m) => m.event);
  return events.filter((e) => e.type === "payment.captured");
};

test("payments killed with SIGKILL mid-charge: every paid order is confirmed and charged exactly once", async () => {
  const userId = await createUser(shop, "crash@example.com");
  await stockProduct(shop, "mug", PRICE_CENTS, 1_000);
  const order = (paymentMethod: string) =>
    placeOrder(shop, userId, [{ sku: "mug", quantity: 1 }], paymentMethod);

  const paid: string[] = [];
  const declined: string[] = [];
  for (let i = 0; i < 10; i++) paid.push(await order("visa"));

  // Kill as soon as the gateway has taken a charge: its answer is still on the way.
  await waitFor(async () => (captured(await gatewayCharges()).length > 0 ? true : undefined), {
    timeoutMs: 15_000,
    intervalMs: 20,
    message: "the card gateway to take a first charge",
  });
  await shop.services.payments.kill();
  const recorded = new Set((await capturedEvents()).map((e) => e.data.orderId));
  const unanswered = captured(await gatewayCharges()).filter(
    (c) => !recorded.has(c.idempotencyKey),
  );
  expect(unanswered.length).toBeGreaterThan(0);

  // Orders keep arriving while payments is down, some with a card the gateway declines.
  for (let i = 0; i < 10; i++) {
    if (i % 4 === 0) declined.push(await order("card_declined"));
    else paid.push(await order("visa"));
  }
  await shop.services.payments.restart();

  const settled = new Map(
    await Promise.all(
      [...paid, ...declined].map(async (id) => [id, await settledOrder(shop, id, 45_000)] as const),
    ),
  );
  expect(paid.map((id) => settled.get(id)?.status)).toEqual(paid.map(() => "confirmed"));
  expect(declined.map((id) => [settled.get(id)?.status, settled.get(id)?.reason])).toEqual(
    declined.map(() => ["cancelled", "payment_declined"]),
  );

  // The gateway's books: one capture per confirmed order and nothing else, no refund.
  const charges = await gatewayCharges();
  const capturesOf = (id: string) => captured(charges).filter((c) => c.idempotencyKey === id);
  expect(paid.map((id) => capturesOf(id).length)).toEqual(paid.map(() => 1));
  expect(declined.map((id) => capturesOf(id).length)).toEqual(declined.map(() => 0));
  expect(captured(charges)).toHaveLength(paid.length);
  expect(captured(charges).every((c) => c.amountCents === PRICE_CENTS)).toBe(true);
  expect(charges.every((c) => c.refundedCents === 0)).toBe(true);
  const declinedAttempts = charges.filter((c) => c.status === "declined");
  expect(declinedAttempts.map((c) => c.idempotencyKey).sort()).toEqual([...declined].sort());

  // The shop's record agrees: each confirmed order's capture names its one gateway charge.
  const events = await capturedEvents();
  for (const id of paid) {
    expect(events.filter((e) => e.data.orderId === id).map((e) => e.data.paymentId)).toEqual([
      capturesOf(id)[0]!.id,
    ]);
  }
  expect(events).toHaveLength(paid.length);

  await waitFor(
    async () => {
      const mug = (await shop.call("inventory", "GET", "/products/mug")).body;
      return mug.reserved === 0 ? mug : undefined;
    },
    { message: "reservations settled" },
  ).then((mug) => {
    expect(mug.sold).toBe(paid.length);
    expect(mug.available).toBe(1_000 - paid.length);
  });
});
