import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The products read model, projected from INVENTORY. */
export const products = sqliteTable("products", {
  sku: text("sku").primaryKey(),
  name: text("name").notNull(),
  priceCents: integer("price_cents").notNull(),
  available: integer("available").notNull().default(0),
  reserved: integer("reserved").notNull().default(0),
  sold: integer("sold").notNull().default(0),
  updatedAt: text("updated_at").notNull(),
});

export const schema = { products };
export type Schema = typeof schema;
