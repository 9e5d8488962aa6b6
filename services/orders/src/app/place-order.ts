import { subjects } from "@shop/shared/contracts";
import { type EventCause, validationError } from "@shop/shared/kit";
import type { OrderLine } from "../domain/order.ts";
import { getPrices, isKnownUser } from "../projections/catalog/catalog-queries.ts";
import type { OrderDeps } from "./order-deps.ts";

export interface PlaceOrderInput {
  userId: string;
  items: { sku: string; quantity: number }[];
  paymentMethod: string;
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
  const orderId = deps.newId();
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
  await deps.ordersProjection.waitFor(result.version);
  return {
    orderId,
    status: "pending" as const,
    items,
    totalCents: result.state.status === "pending" ? result.state.totalCents : 0,
  };
}
