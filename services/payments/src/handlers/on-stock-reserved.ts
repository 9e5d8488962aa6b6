import { stockReserved } from "@shop/shared/contracts";
import { type MessageContext, on } from "@shop/shared/kit";
import { capturePayment } from "../app/capture-payment.ts";
import type { PaymentDeps } from "../app/payment-deps.ts";

export const onStockReserved = (deps: PaymentDeps) =>
  on(stockReserved, async (event, _context: MessageContext) => {
    await capturePayment(deps, event.data.orderId, {
      cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
    });
  });
