import { subjects } from "@shop/shared/contracts";
import {
  idempotentId,
  type RunningProjection,
  type SqliteDb,
  waitUntilVisible,
} from "@shop/shared/kit";
import type { Schema } from "../db/schema.ts";
import type { DefineProduct, Restock } from "../domain/stock.ts";
import { getProduct, type ProductView } from "../projections/products/product-queries.ts";
import type { StockStore } from "./stock-for-orders.ts";

export interface ChangeProductDeps {
  stock: StockStore;
  projection: RunningProjection;
  db: SqliteDb<Schema>;
}

/** The product as queries see it once the change is applied, or undefined if the read model is still behind. */
export type ChangeOutcome = { product: ProductView } | { product: undefined };

/**
 * Defines or restocks a product on its sku's subject. Resolves once the change is stored,
 * with the product as queries now see it, or without it when the products read model has
 * not caught up in time (the change is stored either way: never a 5xx to retry into a second
 * restock). With an idempotency key, a restock names itself (`restockId`) and its event id
 * from the key, so a retried request adds the units once. Defining is idempotent by nature.
 * Throws what the sku's `decide` throws, e.g. not-found `product.not-found`.
 */
export async function changeProduct(
  deps: ChangeProductDeps,
  command: DefineProduct | Restock,
  { correlationId, idempotencyKey }: { correlationId: string; idempotencyKey?: string | undefined },
): Promise<ChangeOutcome> {
  const subject = subjects.sku(command.sku);
  const keyed = command.type === "Restock" && idempotencyKey !== undefined;
  const result = await deps.stock.handle(
    subject,
    keyed ? { ...command, restockId: idempotentId(subject, "Restock", idempotencyKey) } : command,
    {
      cause: { correlationId },
      eventIds: keyed ? [idempotentId("event", subject, "Restock", idempotencyKey)] : undefined,
    },
  );
  if (!(await waitUntilVisible(deps.projection, result.version))) return { product: undefined };
  return { product: await getProduct(deps.db, command.sku) };
}
