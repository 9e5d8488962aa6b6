import { paymentCaptured } from "@shop/shared/contracts";
import { type ConsumerContext, on } from "@shop/shared/kit";
import { confirmOrder } from "../app/confirm-order.ts";
import type { OrderDeps } from "../app/order-deps.ts";
import type { Schema } from "../db/schema.ts";

export const onPaymentCaptured = (deps: OrderDeps) =>
  on(paymentCaptured, async (event, _context: ConsumerContext<Schema>) => {
    await confirmOrder(deps, event.data.orderId, { cause: event });
  });
