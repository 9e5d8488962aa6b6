import {
  productDefined,
  stockCommitted,
  stockReleased,
  stockReserved,
  stockRestocked,
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

async function applyToLines(
  tx: SqliteDb<Schema>,
  time: string,
  items: readonly { sku: string; quantity: number }[],
  change: (quantity: number) => Change,
) {
  for (const { sku, quantity } of items) {
    await adjust(tx).run({
      sku,
      available: 0,
      reserved: 0,
      sold: 0,
      ...change(quantity),
      updatedAt: time,
    });
  }
}

/** stock.rejected holds nothing, so it changes no row. */
export const productsProjection: ProjectionDefinition<Schema> = {
  name: "products",
  stream: streams.inventory.name,
  filterSubject: subjects.stockLedger,
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
    on(stockRestocked, (event, { tx }: Context) =>
      applyToLines(tx, event.time, [event.data], (quantity) => ({ available: quantity })),
    ),
    on(stockReserved, (event, { tx }: Context) =>
      applyToLines(tx, event.time, event.data.items, (quantity) => ({
        available: -quantity,
        reserved: quantity,
      })),
    ),
    on(stockReleased, (event, { tx }: Context) =>
      applyToLines(tx, event.time, event.data.items, (quantity) => ({
        available: quantity,
        reserved: -quantity,
      })),
    ),
    on(stockCommitted, (event, { tx }: Context) =>
      applyToLines(tx, event.time, event.data.items, (quantity) => ({
        reserved: -quantity,
        sold: quantity,
      })),
    ),
  ],
};
