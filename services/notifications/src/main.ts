import { consumers, contracts, streams } from "@shop/shared/contracts";
import { runService } from "@shop/shared/kit";
import type { NotifyDeps } from "./app/notify.ts";
import { configSchema } from "./config.ts";
import { schema } from "./db/schema.ts";
import { notificationDecider } from "./domain/notification.ts";
import { onOrderCancelled } from "./handlers/on-order-cancelled.ts";
import { onOrderConfirmed } from "./handlers/on-order-confirmed.ts";
import { onUserRegistered } from "./handlers/on-user-registered.ts";
import { addNotificationRoutes } from "./http/notification-routes.ts";
import { notificationsProjection } from "./projections/notifications/notifications-projection.ts";
import { recipientsProjection } from "./projections/recipients/recipients-projection.ts";
import { createLogSender } from "./senders/log-sender.ts";
import { createWebhookSender } from "./senders/webhook-sender.ts";

runService(
  {
    name: "notifications",
    configSchema,
    schema,
    migrationsFolder: `${import.meta.dir}/../drizzle`,
    registry: contracts,
    topology: {
      streams: [streams.notifications, streams.users, streams.orders, streams.deadLetter],
      consumers: [consumers.notificationsOnUsers, consumers.notificationsOnOrders],
    },
    description: "Welcomes new users and tells customers their order was confirmed or cancelled.",
  },
  async (kit, config) => {
    await kit.project(recipientsProjection);
    await kit.project(notificationsProjection);
    const webhookUrl = config.NOTIFICATIONS_WEBHOOK_URL;
    const delivery: Pick<NotifyDeps, "sender" | "channel"> =
      webhookUrl === undefined
        ? { sender: createLogSender(kit.logger.child({ sender: "log" })), channel: "email" }
        : {
            sender: createWebhookSender({
              url: webhookUrl,
              timeoutMs: config.NOTIFICATIONS_WEBHOOK_TIMEOUT_MS,
            }),
            channel: "webhook",
          };
    const deps: NotifyDeps = {
      notifications: kit.aggregateStore(notificationDecider, streams.notifications.name),
      ...delivery,
    };
    addNotificationRoutes(kit.app, { db: kit.store.read });
    await kit.consume({
      spec: consumers.notificationsOnUsers,
      effects: "events",
      handlers: [onUserRegistered(deps)],
    });
    await kit.consume({
      spec: consumers.notificationsOnOrders,
      effects: "events",
      handlers: [onOrderConfirmed(deps, kit.store.read), onOrderCancelled(deps, kit.store.read)],
    });
  },
);
