import { consumers, contracts, streams } from "@shop/shared/contracts";
import { runService } from "@shop/shared/kit";
import type { PaymentDeps } from "./app/payment-deps.ts";
import { createOrderReader } from "./app/read-order.ts";
import { configSchema } from "./config.ts";
import { schema } from "./db/schema.ts";
import { paymentDecider } from "./domain/payment.ts";
import { createHttpGateway } from "./gateway/http-gateway.ts";
import { createSimulatedGateway } from "./gateway/simulated-gateway.ts";
import { onOrderCancelled } from "./handlers/on-order-cancelled.ts";
import { onStockReserved } from "./handlers/on-stock-reserved.ts";
import { addPaymentRoutes } from "./http/payment-routes.ts";
import { paymentsProjection } from "./projections/payments/payments-projection.ts";

runService(
  {
    name: "payments",
    configSchema,
    schema,
    migrationsFolder: `${import.meta.dir}/../drizzle`,
    registry: contracts,
    topology: {
      streams: [streams.payments, streams.orders, streams.inventory, streams.deadLetter],
      consumers: [consumers.paymentsOnInventory, consumers.paymentsOnOrders],
    },
    description:
      "Captures payment once stock is reserved; refunds or voids it when an order is cancelled.",
  },
  async (kit, config) => {
    await kit.project(paymentsProjection);
    const gateway = config.PAYMENT_GATEWAY_URL
      ? createHttpGateway({
          url: config.PAYMENT_GATEWAY_URL,
          timeoutMs: config.PAYMENT_GATEWAY_TIMEOUT_MS,
        })
      : createSimulatedGateway({
          limitCents: config.PAYMENT_LIMIT_CENTS,
          declinedMethods: config.PAYMENT_DECLINED_METHODS,
        });
    kit.logger.info(
      { gateway: config.PAYMENT_GATEWAY_URL ?? "simulated, in this process" },
      "charging through the payment gateway",
    );
    const deps: PaymentDeps = {
      payments: kit.aggregateStore(paymentDecider, streams.payments.name),
      gateway,
      readOrder: createOrderReader(kit.nats, kit.registry, kit.logger),
    };
    addPaymentRoutes(kit.app, { db: kit.store.read });
    await kit.consume({
      spec: consumers.paymentsOnInventory,
      effects: "events",
      handlers: [onStockReserved(deps)],
    });
    await kit.consume({
      spec: consumers.paymentsOnOrders,
      effects: "events",
      handlers: [onOrderCancelled(deps)],
    });
  },
);
