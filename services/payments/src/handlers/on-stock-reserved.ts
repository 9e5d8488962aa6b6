import { stockReserved } from "@shop/shared/contracts";
import { type ConsumerContext, on } from "@shop/shared/kit";
import { capturePayment } from "../app/capture-payment.ts";
import type { PaymentDeps } from "../app/payment-deps.ts";
import type { Schema } from "../db/schema.ts";

export const onStockReserved = (deps: PaymentDeps) =>
  on(stockReserved, async (event, _context: ConsumerContext<Schema>) => {
    await capturePayment(deps, event.data.orderId, {
      cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
    });
  });
