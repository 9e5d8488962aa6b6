import { prepared, type SqliteDb } from "@shop/shared/kit";
import { eq, sql } from "drizzle-orm";
import { type Schema, users } from "../../db/schema.ts";

const byId = prepared((db: SqliteDb<Schema>) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder("id")))
    .prepare(),
);

export type User = typeof users.$inferSelect;

export async function getUser(db: SqliteDb<Schema>, id: string): Promise<User | undefined> {
  return byId(db).get({ id });
}
