import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One payment per order, projected from PAYMENTS. `payment.voided` carries only the order
 * id, so a payment voided before any charge has no user or amount.
 */
export const payments = sqliteTable(
  "payments",
  {
    orderId: text("order_id").primaryKey(),
    userId: text("user_id"),
    amountCents: integer("amount_cents"),
    status: text("status", { enum: ["captured", "declined", "refunded", "voided"] }).notNull(),
    paymentId: text("payment_id"),
    reason: text("reason"),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("payments_user_idx").on(t.userId)],
);

export const schema = { payments };
export type Schema = typeof schema;
