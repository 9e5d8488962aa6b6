import { notificationTemplate } from "@shop/shared/contracts";
import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Template } from "../domain/notification.ts";

const templates = notificationTemplate.options as [Template, ...Template[]];

/** Who to write to, projected from USERS: order events carry only the user id. */
export const recipients = sqliteTable("recipients", {
  userId: text("user_id").primaryKey(),
  email: text("email").notNull(),
  name: text("name").notNull(),
});

/** One row per notification, projected from NOTIFICATIONS; delivery columns fill in on `notification.delivered`. */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    channel: text("channel", { enum: ["email", "webhook"] }).notNull(),
    template: text("template", { enum: templates }).notNull(),
    orderId: text("order_id"),
    recipient: text("recipient").notNull(),
    recordedAt: text("recorded_at").notNull(),
    deliveredAt: text("delivered_at"),
    sender: text("sender"),
  },
  (t) => [index("notifications_user_idx").on(t.userId, t.recordedAt)],
);

export const schema = { recipients, notifications };
export type Schema = typeof schema;
