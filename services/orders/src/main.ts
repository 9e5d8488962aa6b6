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
    // Default effects ("database"), not "events": holding the writer lets the saga's reactions go
    // ahead of new commands when this process is busy (BENCHMARKS.md: 79 vs 45 orders/s).
    await kit.consume({
      spec: consumers.ordersOnInventory,
      handlers: [onStockRejected(deps)],
    });
    await kit.consume({
      spec: consumers.ordersOnPayments,
      handlers: [onPaymentCaptured(deps), onPaymentDeclined(deps)],
    });
    kit.every(config.ORDER_TIMEOUT_SWEEP_MS, "expire-orders", () =>
      expireOrders(deps, config.ORDER_TIMEOUT_MS, kit.logger),
    );
  },
);
