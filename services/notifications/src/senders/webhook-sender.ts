import { unavailable } from "@shop/shared/kit";
import type { NotificationSender } from "./notification-sender.ts";

export interface WebhookSenderOptions {
  url: string;
  timeoutMs: number;
}

/**
 * POSTs the notification as JSON with `idempotency-key: <notificationId>`, so the receiver can
 * drop the repeat of a call whose answer was lost. Throws AppError `unavailable`
 * (`notification.webhook-failed`) on any non-2xx answer, a network error or the timeout:
 * a webhook's refusal is not known to be final, so delivery is retried.
 */
export function createWebhookSender({ url, timeoutMs }: WebhookSenderOptions): NotificationSender {
  return {
    name: "webhook",
    async send(notification) {
      const { notificationId } = notification;
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": notificationId },
          body: JSON.stringify(notification),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw unavailable(
          "notification.webhook-failed",
          `webhook call for ${notificationId} failed: ${(err as Error).message}`,
          err,
        );
      }
      await response.body?.cancel();
      if (!response.ok) {
        throw unavailable(
          "notification.webhook-failed",
          `webhook answered ${response.status} for ${notificationId}`,
        );
      }
    },
  };
}
