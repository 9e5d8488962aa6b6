import { consumers, contracts, streams } from "@shop/shared/contracts";
import { runService } from "@shop/shared/kit";
import { configSchema } from "./config.ts";
import { schema } from "./db/schema.ts";
import { stockLedgerDecider } from "./domain/stock-ledger.ts";
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
      streams: [streams.inventory, streams.orders, streams.deadLetter],
      consumers: [consumers.inventoryOnOrders],
    },
    description: "Catalog and stock ledger; reserves, releases and commits stock for orders.",
  },
  async (kit) => {
    const projection = await kit.project(productsProjection);
    const ledger = kit.aggregateStore(stockLedgerDecider, streams.inventory.name);
    await kit.consume({
      spec: consumers.inventoryOnOrders,
      handlers: [onOrderPlaced(ledger), onOrderCancelled(ledger), onOrderConfirmed(ledger)],
    });
    addProductRoutes(kit.app, { ledger, projection, db: kit.store.read });
  },
);
