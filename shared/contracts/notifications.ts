import { z } from "zod";
import { defineEvent } from "../kit/events/event-contract.ts";
import { aggregateId } from "./ids.ts";
import { EMAIL_MAX_LENGTH, userIdSchema } from "./users.ts";

export const notificationTemplate = z.enum(["welcome", "order_confirmed", "order_cancelled"]);

export const notificationRecorded = defineEvent(
  "notification.recorded",
  z.object({
    notificationId: aggregateId,
    userId: userIdSchema,
    channel: z.enum(["email", "webhook"]),
    template: notificationTemplate,
    recipient: z.string().min(1).max(EMAIL_MAX_LENGTH),
    orderId: aggregateId.optional(),
  }),
  { description: "A notification is due; recorded once, before it is sent." },
);

export const notificationDelivered = defineEvent(
  "notification.delivered",
  z.object({ notificationId: aggregateId, sender: z.string().min(1).max(64) }),
  { description: "The sender accepted the notification." },
);

export const notificationEvents = [notificationRecorded, notificationDelivered] as const;
