import { prepared, type SqliteDb } from "@shop/shared/kit";
import { eq, sql } from "drizzle-orm";
import { catalog, knownUsers, type Schema } from "../../db/schema.ts";

const userById = prepared((db: SqliteDb<Schema>) =>
  db
    .select()
    .from(knownUsers)
    .where(eq(knownUsers.userId, sql.placeholder("userId")))
    .prepare(),
);

const priceBySku = prepared((db: SqliteDb<Schema>) =>
  db
    .select({ priceCents: catalog.priceCents })
    .from(catalog)
    .where(eq(catalog.sku, sql.placeholder("sku")))
    .prepare(),
);

export async function isKnownUser(db: SqliteDb<Schema>, userId: string): Promise<boolean> {
  return (await userById(db).get({ userId })) !== undefined;
}

/** Prices by SKU for the given SKUs; SKUs missing from the map are not in the catalog. */
export async function getPrices(
  db: SqliteDb<Schema>,
  skus: readonly string[],
): Promise<Map<string, number>> {
  const prices = new Map<string, number>();
  for (const sku of skus) {
    const row = await priceBySku(db).get({ sku });
    if (row) prices.set(sku, row.priceCents);
  }
  return prices;
}
