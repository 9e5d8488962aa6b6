import { orderCancelled } from "@shop/shared/contracts";
import { type MessageContext, on, type SqliteDb } from "@shop/shared/kit";
import type { NotifyDeps } from "../app/notify.ts";
import { notifyOrderOutcome } from "../app/notify-order-outcome.ts";
import type { Schema } from "../db/schema.ts";

export const onOrderCancelled = (deps: NotifyDeps, db: SqliteDb<Schema>) =>
  on(orderCancelled, async (event, _context: MessageContext) => {
    const { orderId, userId } = event.data;
    await notifyOrderOutcome(
      deps,
      db,
      { template: "order_cancelled", orderId, userId },
      {
        cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
      },
    );
  });
