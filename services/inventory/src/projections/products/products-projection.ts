import {
  productDefined,
  stockHeld,
  stockRestocked,
  stockSold,
  stockUnheld,
  streams,
  subjects,
} from "@shop/shared/contracts";
import {
  on,
  type ProjectionContext,
  type ProjectionDefinition,
  prepared,
  type SqliteDb,
} from "@shop/shared/kit";
import { eq, sql } from "drizzle-orm";
import { products, type Schema } from "../../db/schema.ts";

type Context = ProjectionContext<Schema>;
type Change = { available?: number; reserved?: number; sold?: number };

const adjust = prepared((db: SqliteDb<Schema>) =>
  db
    .update(products)
    .set({
      available: sql`${products.available} + ${sql.placeholder("available")}`,
      reserved: sql`${products.reserved} + ${sql.placeholder("reserved")}`,
      sold: sql`${products.sold} + ${sql.placeholder("sold")}`,
      updatedAt: sql`${sql.placeholder("updatedAt")}`,
    })
    .where(eq(products.sku, sql.placeholder("sku")))
    .prepare(),
);

const applyTo = (tx: SqliteDb<Schema>, sku: string, time: string, change: Change) =>
  adjust(tx).run({ sku, available: 0, reserved: 0, sold: 0, ...change, updatedAt: time });

/** One row per sku, from the skus' own subjects (an order's answer changes no row). */
export const productsProjection: ProjectionDefinition<Schema> = {
  name: "products",
  stream: streams.inventory.name,
  filterSubject: subjects.allSkus,
  handlers: [
    on(productDefined, async (event, { tx }: Context) => {
      const { sku, name, priceCents } = event.data;
      await tx
        .insert(products)
        .values({ sku, name, priceCents, updatedAt: event.time })
        .onConflictDoUpdate({
          target: products.sku,
          set: { name, priceCents, updatedAt: event.time },
        });
    }),
    on(stockRestocked, ({ data, time }, { tx }: Context) =>
      applyTo(tx, data.sku, time, { available: data.quantity }),
    ),
    on(stockHeld, ({ data, time }, { tx }: Context) =>
      applyTo(tx, data.sku, time, { available: -data.quantity, reserved: data.quantity }),
    ),
    on(stockUnheld, ({ data, time }, { tx }: Context) =>
      applyTo(tx, data.sku, time, { available: data.quantity, reserved: -data.quantity }),
    ),
    on(stockSold, ({ data, time }, { tx }: Context) =>
      applyTo(tx, data.sku, time, { reserved: -data.quantity, sold: data.quantity }),
    ),
  ],
};
