import { subjects } from "@shop/shared/contracts";
import type { AggregateStore, CommandMeta } from "@shop/shared/kit";
import type { Channel, NotificationCommand, NotificationState } from "../domain/notification.ts";
import type { NotificationSender } from "../senders/notification-sender.ts";

export interface NotifyDeps {
  notifications: AggregateStore<NotificationCommand, NotificationState>;
  sender: NotificationSender;
  /** How notifications are recorded as going out; follows the configured sender. */
  channel: Channel;
}

/** A notification due for one cause: a user's welcome, or the outcome of one order. */
export type NotificationRequest = { userId: string; recipient: string } & (
  | { template: "welcome" }
  | { template: "order_confirmed" | "order_cancelled"; orderId: string }
);

/**
 * The same cause always gives the same id (hex, so it is a subject token), which is what
 * makes a notification recorded once however often its cause is redelivered or republished.
 */
export function notificationIdFor(request: NotificationRequest): string {
  const cause =
    request.template === "welcome"
      ? `welcome:${request.userId}`
      : `${request.template}:${request.orderId}`;
  return new Bun.CryptoHasher("sha256").update(cause).digest("hex").slice(0, 32);
}

/**
 * Records the notification (once per cause), sends it unless it was already delivered, then
 * records the delivery. A sender failure propagates: the cause is redelivered and the recorded
 * notification sent again, with the same id for the receiver to dedupe on.
 */
export async function notify(
  deps: NotifyDeps,
  request: NotificationRequest,
  meta: CommandMeta,
): Promise<void> {
  const notificationId = notificationIdFor(request);
  const subject = subjects.notification(notificationId);
  const { state } = await deps.notifications.handle(
    subject,
    { type: "Record", notificationId, channel: deps.channel, ...request },
    meta,
  );
  if (state.status !== "recorded") return;
  await deps.sender.send(state.notification);
  await deps.notifications.handle(
    subject,
    { type: "MarkDelivered", notificationId, sender: deps.sender.name },
    meta,
  );
}
