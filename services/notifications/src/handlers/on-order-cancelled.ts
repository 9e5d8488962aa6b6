import { orderCancelled } from "@shop/shared/contracts";
import { type ConsumerContext, on } from "@shop/shared/kit";
import type { NotifyDeps } from "../app/notify.ts";
import { notifyOrderOutcome } from "../app/notify-order-outcome.ts";
import type { Schema } from "../db/schema.ts";

export const onOrderCancelled = (deps: NotifyDeps) =>
  on(orderCancelled, async (event, { tx }: ConsumerContext<Schema>) => {
    const { orderId, userId } = event.data;
    await notifyOrderOutcome(
      deps,
      tx,
      { template: "order_cancelled", orderId, userId },
      {
        cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
      },
    );
  });
