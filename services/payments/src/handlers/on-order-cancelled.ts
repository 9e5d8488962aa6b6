import { orderCancelled } from "@shop/shared/contracts";
import { type MessageContext, on } from "@shop/shared/kit";
import { cancelPayment } from "../app/cancel-payment.ts";
import type { PaymentDeps } from "../app/payment-deps.ts";

export const onOrderCancelled = (deps: PaymentDeps) =>
  on(orderCancelled, async (event, _context: MessageContext) => {
    await cancelPayment(deps, event.data, {
      cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
    });
  });
