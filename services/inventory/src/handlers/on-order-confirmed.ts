import { orderConfirmed, subjects } from "@shop/shared/contracts";
import { type AggregateStore, on } from "@shop/shared/kit";
import type { StockCommand, StockLedgerState } from "../domain/stock-ledger.ts";

/** Turns a confirmed order's held units into sold ones; nothing happens unless it holds stock. */
export const onOrderConfirmed = (ledger: AggregateStore<StockCommand, StockLedgerState>) =>
  on(orderConfirmed, async (event) => {
    await ledger.handle(
      subjects.stockLedger,
      { type: "CommitForOrder", orderId: event.data.orderId },
      {
        cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
      },
    );
  });
