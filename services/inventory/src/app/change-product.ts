import { subjects } from "@shop/shared/contracts";
import type { RunningProjection, SqliteDb } from "@shop/shared/kit";
import type { Schema } from "../db/schema.ts";
import type { DefineProduct, Restock } from "../domain/stock.ts";
import { getProduct, type ProductView } from "../projections/products/product-queries.ts";
import type { StockStore } from "./stock-for-orders.ts";

export interface ChangeProductDeps {
  stock: StockStore;
  projection: RunningProjection;
  db: SqliteDb<Schema>;
}

/**
 * Defines or restocks a product on its sku's subject and answers with the product as queries
 * now see it (read-your-writes: waits until the products projection has applied the
 * new version). Throws what the sku's `decide` throws, e.g. not-found
 * `product.not-found` when restocking an unknown sku.
 */
export async function changeProduct(
  deps: ChangeProductDeps,
  command: DefineProduct | Restock,
  correlationId: string,
): Promise<ProductView> {
  const result = await deps.stock.handle(subjects.sku(command.sku), command, {
    cause: { correlationId },
  });
  await deps.projection.waitFor(result.version);
  const product = await getProduct(deps.db, command.sku);
  if (!product)
    throw new Error(`products projection has no ${command.sku} at version ${result.version}`);
  return product;
}
