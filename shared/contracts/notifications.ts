import { z } from "zod";
import { defineEvent } from "../kit/events/event-contract.ts";
import { aggregateId } from "./ids.ts";

export const notificationTemplate = z.enum(["welcome", "order_confirmed", "order_cancelled"]);

export const notificationRecorded = defineEvent(
  "notification.recorded",
  z.object({
    notificationId: aggregateId,
    userId: z.string().min(1),
    channel: z.enum(["email", "webhook"]),
    template: notificationTemplate,
    recipient: z.string().min(1),
    orderId: aggregateId.optional(),
  }),
  { description: "A notification is due; recorded once, before it is sent." },
);

export const notificationDelivered = defineEvent(
  "notification.delivered",
  z.object({ notificationId: aggregateId, sender: z.string().min(1) }),
  { description: "The sender accepted the notification." },
);

export const notificationEvents = [notificationRecorded, notificationDelivered] as const;
