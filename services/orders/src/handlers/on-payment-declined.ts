import { paymentDeclined } from "@shop/shared/contracts";
import { type ConsumerContext, on } from "@shop/shared/kit";
import { cancelOrder } from "../app/cancel-order.ts";
import type { OrderDeps } from "../app/order-deps.ts";
import type { Schema } from "../db/schema.ts";

export const onPaymentDeclined = (deps: OrderDeps) =>
  on(paymentDeclined, async (event, _context: ConsumerContext<Schema>) => {
    await cancelOrder(
      deps,
      { orderId: event.data.orderId, reason: "payment_declined", by: "saga" },
      { cause: event },
    );
  });
