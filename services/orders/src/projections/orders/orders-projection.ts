import {
  orderCancelled,
  orderConfirmed,
  orderPlaced,
  streams,
  subjects,
} from "@shop/shared/contracts";
import { on, type ProjectionContext, type ProjectionDefinition } from "@shop/shared/kit";
import { eq } from "drizzle-orm";
import { orders, type Schema } from "../../db/schema.ts";
import { recordHistory } from "./record-history.ts";

type Context = ProjectionContext<Schema>;

export const ordersProjection: ProjectionDefinition<Schema> = {
  name: "orders",
  stream: streams.orders.name,
  filterSubject: subjects.allOrders,
  handlers: [
    on(orderPlaced, async (event, context: Context) => {
      const { orderId, userId, items, totalCents, paymentMethod } = event.data;
      await context.tx
        .insert(orders)
        .values({
          id: orderId,
          userId,
          status: "pending",
          items,
          totalCents,
          paymentMethod,
          placedAt: event.time,
          updatedAt: event.time,
        })
        .onConflictDoNothing();
      await recordHistory(event, context);
    }),
    on(orderConfirmed, async (event, context: Context) => {
      await context.tx
        .update(orders)
        .set({ status: "confirmed", updatedAt: event.time })
        .where(eq(orders.id, event.data.orderId));
      await recordHistory(event, context);
    }),
    on(orderCancelled, async (event, context: Context) => {
      await context.tx
        .update(orders)
        .set({ status: "cancelled", reason: event.data.reason, updatedAt: event.time })
        .where(eq(orders.id, event.data.orderId));
      await recordHistory(event, context, event.data.reason);
    }),
  ],
};
