import type { Logger } from "@shop/shared/kit";
import type { NotificationSender } from "./notification-sender.ts";

/** Sends nothing: logs the notification; the `notification.delivered` event is its record. */
export function createLogSender(logger: Logger): NotificationSender {
  return {
    name: "log",
    async send(notification) {
      logger.info({ notification }, "notification sent");
    },
  };
}
