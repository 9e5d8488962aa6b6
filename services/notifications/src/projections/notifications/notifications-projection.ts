import {
  notificationDelivered,
  notificationRecorded,
  streams,
  subjects,
} from "@shop/shared/contracts";
import { on, type ProjectionContext, type ProjectionDefinition } from "@shop/shared/kit";
import { eq } from "drizzle-orm";
import { notifications, type Schema } from "../../db/schema.ts";

type Context = ProjectionContext<Schema>;

/** A notification's events share one subject, so `recorded` is applied before `delivered`. */
export const notificationsProjection: ProjectionDefinition<Schema> = {
  name: "notifications",
  stream: streams.notifications.name,
  filterSubject: subjects.allNotifications,
  handlers: [
    on(notificationRecorded, async (event, { tx }: Context) => {
      const { notificationId, userId, channel, template, orderId, recipient } = event.data;
      await tx
        .insert(notifications)
        .values({
          id: notificationId,
          userId,
          channel,
          template,
          orderId,
          recipient,
          recordedAt: event.time,
        })
        .onConflictDoNothing();
    }),
    on(notificationDelivered, async (event, { tx }: Context) => {
      const { notificationId, sender } = event.data;
      await tx
        .update(notifications)
        .set({ deliveredAt: event.time, sender })
        .where(eq(notifications.id, notificationId));
    }),
  ],
};
