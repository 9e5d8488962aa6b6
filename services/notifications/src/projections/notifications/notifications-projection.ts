import {
  notificationDelivered,
  notificationRecorded,
  streams,
  subjects,
} from "@shop/shared/contracts";
import {
  on,
  type ProjectionContext,
  type ProjectionDefinition,
  prepared,
  type SqliteDb,
} from "@shop/shared/kit";
import { eq, sql } from "drizzle-orm";
import { notifications, type Schema } from "../../db/schema.ts";

type Context = ProjectionContext<Schema>;

const insertRecorded = prepared((db: SqliteDb<Schema>) =>
  db
    .insert(notifications)
    .values({
      id: sql.placeholder("id"),
      userId: sql.placeholder("userId"),
      channel: sql.placeholder("channel"),
      template: sql.placeholder("template"),
      orderId: sql.placeholder("orderId"),
      recipient: sql.placeholder("recipient"),
      recordedAt: sql.placeholder("recordedAt"),
    })
    .onConflictDoNothing()
    .prepare(),
);

const markDelivered = prepared((db: SqliteDb<Schema>) =>
  db
    .update(notifications)
    .set({
      deliveredAt: sql`${sql.placeholder("deliveredAt")}`,
      sender: sql`${sql.placeholder("sender")}`,
    })
    .where(eq(notifications.id, sql.placeholder("id")))
    .prepare(),
);

/** A projection applies its stream in order, so a notification's `recorded` comes before its `delivered`. */
export const notificationsProjection: ProjectionDefinition<Schema> = {
  name: "notifications",
  stream: streams.notifications.name,
  filterSubject: subjects.allNotifications,
  handlers: [
    on(notificationRecorded, async (event, { tx }: Context) => {
      const { notificationId, userId, channel, template, orderId, recipient } = event.data;
      await insertRecorded(tx).run({
        id: notificationId,
        userId,
        channel,
        template,
        orderId: orderId ?? null,
        recipient,
        recordedAt: event.time,
      });
    }),
    on(notificationDelivered, async (event, { tx }: Context) => {
      const { notificationId, sender } = event.data;
      await markDelivered(tx).run({ id: notificationId, deliveredAt: event.time, sender });
    }),
  ],
};
