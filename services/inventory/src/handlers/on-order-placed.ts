import { orderPlaced, subjects } from "@shop/shared/contracts";
import { type AggregateStore, on } from "@shop/shared/kit";
import type { StockCommand, StockLedgerState } from "../domain/stock-ledger.ts";

/** Reserves all of a placed order's items or none; a repeated placement of a known order appends nothing. */
export const onOrderPlaced = (ledger: AggregateStore<StockCommand, StockLedgerState>) =>
  on(orderPlaced, async (event) => {
    const { orderId, items } = event.data;
    await ledger.handle(
      subjects.stockLedger,
      {
        type: "ReserveForOrder",
        orderId,
        items: items.map(({ sku, quantity }) => ({ sku, quantity })),
      },
      {
        cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
      },
    );
  });
