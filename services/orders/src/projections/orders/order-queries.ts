import { prepared, type SqliteDb } from "@shop/shared/kit";
import { and, asc, desc, eq, lt, sql } from "drizzle-orm";
import { orderHistory, orders, orderViews, type Schema } from "../../db/schema.ts";

const byId = prepared((db: SqliteDb<Schema>) =>
  db
    .select()
    .from(orders)
    .where(eq(orders.id, sql.placeholder("id")))
    .prepare(),
);
const historyOf = prepared((db: SqliteDb<Schema>) =>
  db
    .select({
      type: orderHistory.type,
      time: orderHistory.time,
      stream: orderHistory.stream,
      detail: orderHistory.detail,
    })
    .from(orderHistory)
    .where(eq(orderHistory.orderId, sql.placeholder("id")))
    .orderBy(asc(orderHistory.time), asc(orderHistory.stream), asc(orderHistory.sequence))
    .prepare(),
);

const viewById = prepared((db: SqliteDb<Schema>) =>
  db
    .select({ body: orderViews.body })
    .from(orderViews)
    .where(eq(orderViews.orderId, sql.placeholder("id")))
    .prepare(),
);

export type OrderRow = typeof orders.$inferSelect;

/** An order with its saga timeline, or undefined. */
export async function getOrder(db: SqliteDb<Schema>, id: string) {
  const order = await byId(db).get({ id });
  if (!order) return undefined;
  return { ...order, history: await historyOf(db).all({ id }) };
}

/** An order with its saga timeline as JSON text (the shape `getOrder` returns), or undefined. */
export async function getOrderJson(db: SqliteDb<Schema>, id: string): Promise<string | undefined> {
  return (await viewById(db).get({ id }))?.body;
}

export async function listOrdersOfUser(db: SqliteDb<Schema>, userId: string): Promise<OrderRow[]> {
  return db.select().from(orders).where(eq(orders.userId, userId)).orderBy(desc(orders.placedAt));
}

/** Pending orders placed before `placedBefore` (ISO time), oldest first. */
export async function listPendingPlacedBefore(
  db: SqliteDb<Schema>,
  placedBefore: string,
  limit = 500,
) {
  return db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.status, "pending"), lt(orders.placedAt, placedBefore)))
    .orderBy(asc(orders.placedAt))
    .limit(limit);
}
