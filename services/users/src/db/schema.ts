import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The users read model, projected from USERS. */
export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  registeredAt: text("registered_at").notNull(),
});

export const schema = { users };
export type Schema = typeof schema;
