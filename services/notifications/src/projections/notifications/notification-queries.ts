import { prepared, type SqliteDb } from "@shop/shared/kit";
import { asc, eq, sql } from "drizzle-orm";
import { notifications, type Schema } from "../../db/schema.ts";

const byUserId = prepared((db: SqliteDb<Schema>) =>
  db
    .select()
    .from(notifications)
    .where(eq(notifications.userId, sql.placeholder("userId")))
    .orderBy(asc(notifications.recordedAt), asc(notifications.id))
    .prepare(),
);

export type NotificationRow = typeof notifications.$inferSelect;

/** A user's notifications, oldest first. */
export async function listNotifications(
  db: SqliteDb<Schema>,
  userId: string,
): Promise<NotificationRow[]> {
  return byUserId(db).all({ userId });
}
