import { orderConfirmed } from "@shop/shared/contracts";
import { type ConsumerContext, on } from "@shop/shared/kit";
import type { NotifyDeps } from "../app/notify.ts";
import { notifyOrderOutcome } from "../app/notify-order-outcome.ts";
import type { Schema } from "../db/schema.ts";

export const onOrderConfirmed = (deps: NotifyDeps) =>
  on(orderConfirmed, async (event, { tx }: ConsumerContext<Schema>) => {
    const { orderId, userId } = event.data;
    await notifyOrderOutcome(
      deps,
      tx,
      { template: "order_confirmed", orderId, userId },
      {
        cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
      },
    );
  });
