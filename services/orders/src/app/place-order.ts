import { subjects } from "@shop/shared/contracts";
import { type EventCause, isConflict, validationError } from "@shop/shared/kit";
import { type OrderLine, orderTotal } from "../domain/order.ts";
import { getPrices, isKnownUser } from "../projections/catalog/catalog-queries.ts";
import { getOrder } from "../projections/orders/order-queries.ts";
import type { OrderDeps } from "./order-deps.ts";

export interface PlaceOrderInput {
  userId: string;
  items: { sku: string; quantity: number }[];
  paymentMethod: string;
  /** The client's `Idempotency-Key`: the same key places the order once. */
  idempotencyKey?: string | undefined;
}

/** The same SKU twice in one order is one line with the quantities added. */
function mergeLines(items: PlaceOrderInput["items"]) {
  const quantities = new Map<string, number>();
  for (const { sku, quantity } of items) quantities.set(sku, (quantities.get(sku) ?? 0) + quantity);
  return [...quantities].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * Places an order priced from orders' own catalog read model. Resolves once `order.placed`
 * is stored in JetStream (and visible to queries). Throws AppError validation
 * `order.unknown-user` / `order.unknown-sku` (422).
 */
export async function placeOrder(deps: OrderDeps, input: PlaceOrderInput, cause: EventCause) {
  if (!(await isKnownUser(deps.db, input.userId))) {
    throw validationError("order.unknown-user", `no user ${input.userId}`, {
      userId: input.userId,
    });
  }
  const lines = mergeLines(input.items);
  const prices = await getPrices(
    deps.db,
    lines.map((l) => l.sku),
  );
  const unknownSkus = lines.filter((l) => !prices.has(l.sku)).map((l) => l.sku);
  if (unknownSkus.length > 0) {
    throw validationError("order.unknown-sku", `not in the catalog: ${unknownSkus.join(", ")}`, {
      skus: unknownSkus,
    });
  }
  const items: OrderLine[] = lines.map((l) => ({
    ...l,
    unitPriceCents: prices.get(l.sku) as number,
  }));
  const orderId = input.idempotencyKey
    ? orderIdFor(input.userId, input.idempotencyKey)
    : deps.newId();
  let version: number;
  try {
    const result = await deps.orders.handle(
      subjects.order(orderId),
      {
        type: "PlaceOrder",
        orderId,
        userId: input.userId,
        items,
        paymentMethod: input.paymentMethod,
      },
      { cause, now: deps.now() },
    );
    version = result.version;
  } catch (err) {
    // A retry of a request whose answer was lost: the order exists, answer with it.
    if (!(input.idempotencyKey && isConflict(err) && err.code === "order.exists")) throw err;
    version = (await deps.orders.load(subjects.order(orderId))).version;
  }
  // The order is stored: a read model that is slow to show it does not make the request fail.
  await deps.ordersProjection.waitFor(version).catch(() => undefined);
  const stored = await getOrder(deps.db, orderId);
  return stored
    ? { orderId, status: stored.status, items: stored.items, totalCents: stored.totalCents }
    : { orderId, status: "pending" as const, items, totalCents: orderTotal(items) };
}

/** The same user and key always name the same order, so a retried request cannot place it twice. */
const orderIdFor = (userId: string, key: string) =>
  new Bun.CryptoHasher("sha256").update(`${userId}\n${key}`).digest("hex").slice(0, 32);
