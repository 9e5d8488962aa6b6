import { prepared, type SqliteDb } from "@shop/shared/kit";
import { eq, inArray, sql } from "drizzle-orm";
import { catalog, knownUsers, type Schema } from "../../db/schema.ts";

const userById = prepared((db: SqliteDb<Schema>) =>
  db
    .select()
    .from(knownUsers)
    .where(eq(knownUsers.userId, sql.placeholder("userId")))
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
  const rows = await db
    .select()
    .from(catalog)
    .where(inArray(catalog.sku, [...skus]));
  return new Map(rows.map((row) => [row.sku, row.priceCents]));
}
