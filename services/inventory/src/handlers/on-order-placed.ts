import { orderPlaced } from "@shop/shared/contracts";
import { on } from "@shop/shared/kit";
import { reserveForOrder, type StockStore } from "../app/stock-for-orders.ts";

/** Reserves all of a placed order's items or none; a repeated placement of a known order appends nothing. */
export const onOrderPlaced = (stock: StockStore) =>
  on(orderPlaced, async (event) => {
    const { orderId, items } = event.data;
    await reserveForOrder(
      stock,
      orderId,
      items.map(({ sku, quantity }) => ({ sku, quantity })),
      {
        cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
      },
    );
  });
