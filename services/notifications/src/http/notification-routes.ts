import { createRoute, z } from "@hono/zod-openapi";
import { notificationTemplate } from "@shop/shared/contracts";
import { type HttpApp, json, problems, type SqliteDb } from "@shop/shared/kit";
import type { Schema } from "../db/schema.ts";
import { listNotifications } from "../projections/notifications/notification-queries.ts";

const NotificationSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    channel: z.enum(["email", "webhook"]),
    template: notificationTemplate,
    orderId: z.string().nullable(),
    recipient: z.string(),
    recordedAt: z.string(),
    deliveredAt: z.string().nullable(),
    sender: z.string().nullable(),
  })
  .openapi("Notification");

const list = createRoute({
  method: "get",
  path: "/notifications",
  summary: "A user's notifications, oldest first",
  request: { query: z.object({ userId: z.string().min(1) }) },
  responses: {
    200: json(z.object({ notifications: z.array(NotificationSchema) }), "Notifications"),
    ...problems(422),
  },
});

export function addNotificationRoutes(app: HttpApp, deps: { db: SqliteDb<Schema> }) {
  app.openapi(list, async (c) =>
    c.json({ notifications: await listNotifications(deps.db, c.req.valid("query").userId) }, 200),
  );
}
