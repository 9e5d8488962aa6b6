import { paymentDeclined } from "@shop/shared/contracts";
import { type MessageContext, on } from "@shop/shared/kit";
import { cancelOrder } from "../app/cancel-order.ts";
import type { OrderDeps } from "../app/order-deps.ts";

export const onPaymentDeclined = (deps: OrderDeps) =>
  on(paymentDeclined, async (event, _context: MessageContext) => {
    await cancelOrder(
      deps,
      { orderId: event.data.orderId, reason: "payment_declined", by: "saga" },
      { cause: event },
    );
  });
