import { prepared, type SqliteDb } from "@shop/shared/kit";
import { eq, sql } from "drizzle-orm";
import { recipients, type Schema } from "../../db/schema.ts";

const byUserId = prepared((db: SqliteDb<Schema>) =>
  db
    .select()
    .from(recipients)
    .where(eq(recipients.userId, sql.placeholder("userId")))
    .prepare(),
);

export type Recipient = typeof recipients.$inferSelect;

/** The user's contact details, or undefined while their `user.registered` has not been seen. */
export async function getRecipient(
  db: SqliteDb<Schema>,
  userId: string,
): Promise<Recipient | undefined> {
  return byUserId(db).get({ userId });
}
