import { subjects } from "@shop/shared/contracts";
import type { AggregateStore, RunningProjection, SqliteDb } from "@shop/shared/kit";
import type { Schema } from "../db/schema.ts";
import type {
  DefineProduct,
  Restock,
  StockCommand,
  StockLedgerState,
} from "../domain/stock-ledger.ts";
import { getProduct, type ProductView } from "../projections/products/product-queries.ts";

export interface ChangeProductDeps {
  ledger: AggregateStore<StockCommand, StockLedgerState>;
  projection: RunningProjection;
  db: SqliteDb<Schema>;
}

/**
 * Defines or restocks a product on the stock ledger and answers with the product as queries
 * now see it (read-your-writes: waits until the products projection has applied the
 * ledger's version). Throws what the ledger's `decide` throws, e.g. not-found
 * `product.not-found` when restocking an unknown sku.
 */
export async function changeProduct(
  deps: ChangeProductDeps,
  command: DefineProduct | Restock,
  correlationId: string,
): Promise<ProductView> {
  const result = await deps.ledger.handle(subjects.stockLedger, command, {
    cause: { correlationId },
  });
  await deps.projection.waitFor(result.version);
  const product = await getProduct(deps.db, command.sku);
  if (!product)
    throw new Error(
      `products projection has no ${command.sku} at ledger version ${result.version}`,
    );
  return product;
}
