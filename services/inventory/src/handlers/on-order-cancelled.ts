import { orderCancelled } from "@shop/shared/contracts";
import { on } from "@shop/shared/kit";
import { releaseForOrder, type StockStore } from "../app/stock-for-orders.ts";

/** Releases what a cancelled order holds; for an order not seen yet it leaves a tombstone instead. */
export const onOrderCancelled = (stock: StockStore) =>
  on(orderCancelled, (event) =>
    releaseForOrder(stock, event.data.orderId, {
      cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
    }),
  );
