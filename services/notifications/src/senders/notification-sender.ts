import type { Notification } from "../domain/notification.ts";

/**
 * Delivers a recorded notification (an outbound port). Resolving means the notification was
 * accepted; throwing has the delivery retried, so the same notification may be sent again and
 * a receiver dedupes by its `notificationId`.
 */
export interface NotificationSender {
  /** Recorded on `notification.delivered`. */
  readonly name: string;
  send(notification: Notification): Promise<void>;
}
