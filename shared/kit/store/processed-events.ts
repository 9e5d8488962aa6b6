import { and, eq, inArray, lt, sql } from "drizzle-orm";
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

/** True when `consumer` already committed its handling of `eventId` (and the record is not pruned yet). */
export async function wasProcessed(db: Db, consumer: string, eventId: string): Promise<boolean> {
  return (await selectProcessed(db).get({ consumer, eventId })) !== undefined;
}

/**
 * Records that `consumer` handled `eventId` at `at` (default now); call inside the
 * transaction holding the handler's effects. Throws if it is already recorded.
 */
export async function markProcessed(
  tx: Db,
  consumer: string,
  eventId: string,
  at: Date = new Date(),
): Promise<void> {
  await insertProcessed(tx).run({ consumer, eventId, processedAt: at.toISOString() });
}

/**
 * Deletes up to `limit` of `consumer`'s records processed before `before`, oldest first,
 * and returns how many it deleted (call again while it returns `limit`). Records at or
 * after `before` are kept, so dedupe within the horizon is untouched.
 */
export async function pruneProcessed(
  tx: Db,
  consumer: string,
  before: Date,
  limit = 10_000,
): Promise<number> {
  const expired = tx
    .select({ eventId: kitProcessedEvents.eventId })
    .from(kitProcessedEvents)
    .where(
      and(
        eq(kitProcessedEvents.consumer, consumer),
        lt(kitProcessedEvents.processedAt, before.toISOString()),
      ),
    )
    .orderBy(kitProcessedEvents.processedAt)
    .limit(limit);
  const deleted = await tx
    .delete(kitProcessedEvents)
    .where(
      and(eq(kitProcessedEvents.consumer, consumer), inArray(kitProcessedEvents.eventId, expired)),
    )
    .returning({ eventId: kitProcessedEvents.eventId });
  return deleted.length;
}
