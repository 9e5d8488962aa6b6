import { consumers, contracts, streams } from "@shop/shared/contracts";
import { runService } from "@shop/shared/kit";
import { expireOrders } from "./app/expire-orders.ts";
import type { OrderDeps } from "./app/order-deps.ts";
import { configSchema } from "./config.ts";
import { schema } from "./db/schema.ts";
import { orderDecider } from "./domain/order.ts";
import { onPaymentCaptured } from "./handlers/on-payment-captured.ts";
import { onPaymentDeclined } from "./handlers/on-payment-declined.ts";
import { onStockRejected } from "./handlers/on-stock-rejected.ts";
import { addOrderRoutes } from "./http/order-routes.ts";
import {
  catalogProjection,
  knownUsersProjection,
} from "./projections/catalog/catalog-projection.ts";
import { ordersProjection } from "./projections/orders/orders-projection.ts";
import {
  paymentHistoryProjection,
  stockHistoryProjection,
} from "./projections/orders/saga-history-projections.ts";

runService(
  {
    name: "orders",
    configSchema,
    schema,
    migrationsFolder: `${import.meta.dir}/../drizzle`,
    registry: contracts,
    topology: {
      streams: [
        streams.orders,
        streams.users,
        streams.inventory,
        streams.payments,
        streams.deadLetter,
      ],
      consumers: [consumers.ordersOnInventory, consumers.ordersOnPayments],
    },
    description: "Takes orders and runs the order saga: placed, then confirmed or cancelled.",
  },
  async (kit, config) => {
    await kit.project(knownUsersProjection);
    await kit.project(catalogProjection);
    await kit.project(stockHistoryProjection);
    await kit.project(paymentHistoryProjection);
    const deps: OrderDeps = {
      orders: kit.aggregateStore(orderDecider, streams.orders.name),
      ordersProjection: await kit.project(ordersProjection),
      db: kit.store.read,
      newId: () => Bun.randomUUIDv7(),
      now: () => new Date(),
    };
    addOrderRoutes(kit.app, deps);
    // "events": these handlers append to orders over the network, so they must not hold the
    // SQLite writer (a "database" consumer's handlers share group commits).
    await kit.consume({
      spec: consumers.ordersOnInventory,
      effects: "events",
      handlers: [onStockRejected(deps)],
    });
    await kit.consume({
      spec: consumers.ordersOnPayments,
      effects: "events",
      handlers: [onPaymentCaptured(deps), onPaymentDeclined(deps)],
    });
    kit.every(config.ORDER_TIMEOUT_SWEEP_MS, "expire-orders", () =>
      expireOrders(deps, config.ORDER_TIMEOUT_MS, kit.logger),
    );
  },
);
