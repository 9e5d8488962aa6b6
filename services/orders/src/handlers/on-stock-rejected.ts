import { stockRejected } from "@shop/shared/contracts";
import { type MessageContext, on } from "@shop/shared/kit";
import { cancelOrder } from "../app/cancel-order.ts";
import type { OrderDeps } from "../app/order-deps.ts";

export const onStockRejected = (deps: OrderDeps) =>
  on(stockRejected, async (event, _context: MessageContext) => {
    await cancelOrder(
      deps,
      { orderId: event.data.orderId, reason: "out_of_stock", by: "saga" },
      { cause: event },
    );
  });
