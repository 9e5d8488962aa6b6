import { prepared, type SqliteDb } from "@shop/shared/kit";
import { asc, eq, sql } from "drizzle-orm";
import { products, type Schema } from "../../db/schema.ts";

const columns = {
  sku: products.sku,
  name: products.name,
  priceCents: products.priceCents,
  available: products.available,
  reserved: products.reserved,
  sold: products.sold,
};

const bySku = prepared((db: SqliteDb<Schema>) =>
  db
    .select(columns)
    .from(products)
    .where(eq(products.sku, sql.placeholder("sku")))
    .prepare(),
);
const all = prepared((db: SqliteDb<Schema>) =>
  db.select(columns).from(products).orderBy(asc(products.sku)).prepare(),
);

export interface ProductView {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  sold: number;
}

export async function getProduct(
  db: SqliteDb<Schema>,
  sku: string,
): Promise<ProductView | undefined> {
  return bySku(db).get({ sku });
}

export async function listProducts(db: SqliteDb<Schema>): Promise<ProductView[]> {
  return all(db).all();
}
