import { prepared, type SqliteDb } from "@shop/shared/kit";
import { eq, sql } from "drizzle-orm";
import { orderHistory, orders, orderViews, type Schema } from "../../db/schema.ts";

// A correlated subquery over order_history's timeline index: no join to group, no sort. Its
// text is parsed again by json(): a subquery's value is plain text, not JSON, to json_object.
const historyJson = sql`json((
  select json_group_array(
    json_object(
      'type', ${orderHistory.type},
      'time', ${orderHistory.time},
      'stream', ${orderHistory.stream},
      'detail', ${orderHistory.detail}
    ) order by ${orderHistory.time}, ${orderHistory.stream}, ${orderHistory.sequence}
  )
  from ${orderHistory}
  where ${orderHistory.orderId} = ${orders.id}
))`;

/**
 * An order row and its timeline as the JSON text `GET /orders/:id` answers: the columns in the
 * order `select().from(orders)` returns them, then `history` oldest first. SQLite's JSON text is
 * JSON.stringify's for these values (same escapes, `items` stored minified), so the body is the
 * one the route sent when it built it per request. 0003_fill_order_views.sql holds a copy.
 */
const orderJson = sql<string>`json_object(
  'id', ${orders.id},
  'userId', ${orders.userId},
  'status', ${orders.status},
  'reason', ${orders.reason},
  'items', json(${orders.items}),
  'totalCents', ${orders.totalCents},
  'paymentMethod', ${orders.paymentMethod},
  'placedAt', ${orders.placedAt},
  'updatedAt', ${orders.updatedAt},
  'history', ${historyJson}
)`;

const rewriteView = prepared((db: SqliteDb<Schema>) =>
  db
    .insert(orderViews)
    .select(
      db
        .select({ orderId: orders.id, body: orderJson.as("body") })
        .from(orders)
        .where(eq(orders.id, sql.placeholder("id"))),
    )
    .onConflictDoUpdate({ target: orderViews.orderId, set: { body: sql`excluded.body` } })
    .prepare(),
);

/**
 * Rewrites an order's view from its row and timeline as they stand in `tx`. Until the order's
 * row exists (another stream's projection may be ahead of ORDERS) there is no view: the
 * `order.placed` that writes the row writes it, with whatever timeline came before.
 */
export async function rewriteOrderView(tx: SqliteDb<Schema>, orderId: string) {
  await rewriteView(tx).run({ id: orderId });
}
