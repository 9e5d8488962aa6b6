import {
  orderCancelled,
  orderConfirmed,
  orderPlaced,
  streams,
  subjects,
} from "@shop/shared/contracts";
import {
  on,
  type ProjectionContext,
  type ProjectionDefinition,
  prepared,
  type SqliteDb,
} from "@shop/shared/kit";
import { eq, sql } from "drizzle-orm";
import { orders, type Schema } from "../../db/schema.ts";
import { recordHistory } from "./record-history.ts";

type Context = ProjectionContext<Schema>;

const insertOrder = prepared((db: SqliteDb<Schema>) =>
  db
    .insert(orders)
    .values({
      id: sql.placeholder("id"),
      userId: sql.placeholder("userId"),
      status: "pending",
      items: sql.placeholder("items"),
      totalCents: sql.placeholder("totalCents"),
      paymentMethod: sql.placeholder("paymentMethod"),
      placedAt: sql.placeholder("time"),
      updatedAt: sql.placeholder("time"),
    })
    .onConflictDoNothing()
    .prepare(),
);

const settleOrder = prepared((db: SqliteDb<Schema>) =>
  db
    .update(orders)
    .set({
      status: sql`${sql.placeholder("status")}`,
      reason: sql`${sql.placeholder("reason")}`,
      updatedAt: sql`${sql.placeholder("time")}`,
    })
    .where(eq(orders.id, sql.placeholder("id")))
    .prepare(),
);

export const ordersProjection: ProjectionDefinition<Schema> = {
  name: "orders",
  stream: streams.orders.name,
  filterSubject: subjects.allOrders,
  handlers: [
    on(orderPlaced, async (event, context: Context) => {
      const { orderId, userId, items, totalCents, paymentMethod } = event.data;
      await insertOrder(context.tx).run({
        id: orderId,
        userId,
        items,
        totalCents,
        paymentMethod,
        time: event.time,
      });
      await recordHistory(event, context);
    }),
    on(orderConfirmed, async (event, context: Context) => {
      await settleOrder(context.tx).run({
        id: event.data.orderId,
        status: "confirmed",
        reason: null,
        time: event.time,
      });
      await recordHistory(event, context);
    }),
    on(orderCancelled, async (event, context: Context) => {
      await settleOrder(context.tx).run({
        id: event.data.orderId,
        status: "cancelled",
        reason: event.data.reason,
        time: event.time,
      });
      await recordHistory(event, context, event.data.reason);
    }),
  ],
};
