import { paymentCaptured } from "@shop/shared/contracts";
import { type MessageContext, on } from "@shop/shared/kit";
import { confirmOrder } from "../app/confirm-order.ts";
import type { OrderDeps } from "../app/order-deps.ts";

export const onPaymentCaptured = (deps: OrderDeps) =>
  on(paymentCaptured, async (event, _context: MessageContext) => {
    await confirmOrder(deps, event.data.orderId, { cause: event });
  });
