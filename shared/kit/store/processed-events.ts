import { and, eq, sql } from "drizzle-orm";
import { kitProcessedEvents } from "./kit-schema.ts";
import { prepared, type SqliteDb } from "./store.ts";

type Db = SqliteDb<Record<string, unknown>>;

const selectProcessed = prepared((db: Db) =>
  db
    .select({ eventId: kitProcessedEvents.eventId })
    .from(kitProcessedEvents)
    .where(
      and(
        eq(kitProcessedEvents.consumer, sql.placeholder("consumer")),
        eq(kitProcessedEvents.eventId, sql.placeholder("eventId")),
      ),
    )
    .prepare(),
);

const insertProcessed = prepared((db: Db) =>
  db
    .insert(kitProcessedEvents)
    .values({
      consumer: sql.placeholder("consumer"),
      eventId: sql.placeholder("eventId"),
      processedAt: sql.placeholder("processedAt"),
    })
    .prepare(),
);

/** True when `consumer` already committed its handling of `eventId`. */
export async function wasProcessed(db: Db, consumer: string, eventId: string): Promise<boolean> {
  return (await selectProcessed(db).get({ consumer, eventId })) !== undefined;
}

/** Records that `consumer` handled `eventId`; call inside the transaction holding the handler's effects. */
export async function markProcessed(tx: Db, consumer: string, eventId: string): Promise<void> {
  await insertProcessed(tx).run({ consumer, eventId, processedAt: new Date().toISOString() });
}
