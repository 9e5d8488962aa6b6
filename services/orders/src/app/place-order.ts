import { subjects } from "@shop/shared/contracts";
import {
  type EventCause,
  idempotentId,
  isConflict,
  validationError,
  waitUntilVisible,
} from "@shop/shared/kit";
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
 * is stored in JetStream, with the read model's view of it when that shows it in time.
 * With an idempotency key the order id and event id derive from the key, so a resend
 * answers with the order it placed and stores nothing. Throws AppError validation
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
  const key = input.idempotencyKey;
  // The same user and key always name the same order, so a retried request cannot place it twice.
  const orderId = key ? idempotentId(input.userId, key) : deps.newId();
  const subject = subjects.order(orderId);
  let version: number;
  let retried = false;
  try {
    const result = await deps.orders.handle(
      subject,
      {
        type: "PlaceOrder",
        orderId,
        userId: input.userId,
        items,
        paymentMethod: input.paymentMethod,
      },
      {
        cause,
        now: deps.now(),
        eventIds: key ? [idempotentId("event", subject, "PlaceOrder", key)] : undefined,
      },
    );
    version = result.version;
  } catch (err) {
    // A retry of a request whose answer was lost: the order exists, answer with it.
    if (!(key && isConflict(err) && err.code === "order.exists")) throw err;
    version = (await deps.orders.load(subject)).version;
    retried = true;
  }
  // The order is stored: a read model that is slow to show it does not make the request fail.
  // Waiting lets the client's next GET see it. A new order is answered with what was stored;
  // a retried key with the order as it stands now (the read model's view).
  const visible = await waitUntilVisible(deps.ordersProjection, version);
  const stored = retried && visible ? await getOrder(deps.db, orderId) : undefined;
  return stored
    ? { orderId, status: stored.status, items: stored.items, totalCents: stored.totalCents }
    : { orderId, status: "pending" as const, items, totalCents: orderTotal(items) };
}
