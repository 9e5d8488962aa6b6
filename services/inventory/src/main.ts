import { consumers, contracts, streams } from "@shop/shared/contracts";
import { runService } from "@shop/shared/kit";
import { configSchema } from "./config.ts";
import { schema } from "./db/schema.ts";
import { stockDecider } from "./domain/stock.ts";
import { onOrderCancelled } from "./handlers/on-order-cancelled.ts";
import { onOrderConfirmed } from "./handlers/on-order-confirmed.ts";
import { onOrderPlaced } from "./handlers/on-order-placed.ts";
import { addProductRoutes } from "./http/product-routes.ts";
import { productsProjection } from "./projections/products/products-projection.ts";

runService(
  {
    name: "inventory",
    configSchema,
    schema,
    migrationsFolder: `${import.meta.dir}/../drizzle`,
    registry: contracts,
    topology: {
      streams: [streams.inventory, streams.orders, streams.deadLetter, streams.snapshots],
      consumers: [consumers.inventoryOnOrders],
    },
    description: "Catalog and stock per sku; reserves, releases and commits stock for orders.",
  },
  async (kit) => {
    const projection = await kit.project(productsProjection);
    // A sku lives as long as the shop: its cold load starts from a snapshot, not from its first sale.
    // Schema 2: a sku keeps counts only (schema 1 also kept its open holds).
    const stock = kit.aggregateStore(stockDecider, streams.inventory.name, {
      snapshots: { every: 1_000, schema: 2 },
    });
    await kit.consume({
      spec: consumers.inventoryOnOrders,
      effects: "events",
      handlers: [onOrderPlaced(stock), onOrderCancelled(stock), onOrderConfirmed(stock)],
    });
    addProductRoutes(kit.app, { stock, projection, db: kit.store.read });
  },
);
