import { orderConfirmed } from "@shop/shared/contracts";
import { on } from "@shop/shared/kit";
import { commitForOrder, type StockStore } from "../app/stock-for-orders.ts";

/** Turns a confirmed order's held units into sold ones; nothing happens unless it holds stock. */
export const onOrderConfirmed = (stock: StockStore) =>
  on(orderConfirmed, (event) =>
    commitForOrder(stock, event.data.orderId, {
      cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
    }),
  );
