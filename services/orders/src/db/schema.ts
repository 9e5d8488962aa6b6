import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Orders as the customer sees them, projected from ORDERS. */
export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    status: text("status", { enum: ["pending", "confirmed", "cancelled"] }).notNull(),
    reason: text("reason", {
      enum: ["out_of_stock", "payment_declined", "customer_cancelled", "timeout"],
    }),
    items: text("items", { mode: "json" })
      .notNull()
      .$type<{ sku: string; quantity: number; unitPriceCents: number }[]>(),
    totalCents: integer("total_cents").notNull(),
    paymentMethod: text("payment_method").notNull(),
    placedAt: text("placed_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("orders_user_idx").on(t.userId),
    index("orders_status_placed_idx").on(t.status, t.placedAt),
  ],
);

/** Every saga event about an order, from ORDERS, INVENTORY and PAYMENTS: the order's timeline. */
export const orderHistory = sqliteTable(
  "order_history",
  {
    stream: text("stream").notNull(),
    sequence: integer("sequence").notNull(),
    orderId: text("order_id").notNull(),
    type: text("type").notNull(),
    time: text("time").notNull(),
    detail: text("detail"),
  },
  (t) => [
    primaryKey({ columns: [t.stream, t.sequence] }),
    // The timeline query reads an order's rows in this order: no sort per request.
    index("order_history_order_time_idx").on(t.orderId, t.time, t.stream, t.sequence),
  ],
);

/**
 * Each order's `GET /orders/:id` answer, ready-made: the order and its timeline as JSON text,
 * rewritten whenever either changes, so a read is one primary-key lookup.
 */
export const orderViews = sqliteTable("order_views", {
  orderId: text("order_id").primaryKey(),
  body: text("body").notNull(),
});

/** The catalog as orders knows it, from inventory's `product.defined` events: the prices orders charge. */
export const catalog = sqliteTable("catalog", {
  sku: text("sku").primaryKey(),
  name: text("name").notNull(),
  priceCents: integer("price_cents").notNull(),
});

/** Users orders may be placed for, from USERS. */
export const knownUsers = sqliteTable("known_users", { userId: text("user_id").primaryKey() });

export const schema = { orders, orderHistory, orderViews, catalog, knownUsers };
export type Schema = typeof schema;
