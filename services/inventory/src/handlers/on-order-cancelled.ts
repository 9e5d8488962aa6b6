import { orderCancelled, subjects } from "@shop/shared/contracts";
import { type AggregateStore, on } from "@shop/shared/kit";
import type { StockCommand, StockLedgerState } from "../domain/stock-ledger.ts";

/** Releases what a cancelled order holds; for an order not seen yet it leaves a tombstone instead. */
export const onOrderCancelled = (ledger: AggregateStore<StockCommand, StockLedgerState>) =>
  on(orderCancelled, async (event) => {
    await ledger.handle(
      subjects.stockLedger,
      { type: "ReleaseForOrder", orderId: event.data.orderId },
      {
        cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
      },
    );
  });
