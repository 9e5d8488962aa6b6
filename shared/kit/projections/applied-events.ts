import { and, eq, lt, sql } from "drizzle-orm";
import { kitProjectionEvents } from "../store/kit-schema.ts";
import { prepared, type SqliteDb } from "../store/store.ts";

type Db = SqliteDb<Record<string, unknown>>;

/** A day of stream time: a copy of an event re-stored within it is applied once. */
export const DEFAULT_DEDUPE_HORIZON_MS = 24 * 60 * 60 * 1_000;

const insertClaim = prepared((db: Db) =>
  db
    .insert(kitProjectionEvents)
    .values({
      projection: sql.placeholder("projection"),
      eventId: sql.placeholder("eventId"),
      storedAt: sql.placeholder("storedAt"),
    })
    .onConflictDoNothing()
    .returning({ eventId: kitProjectionEvents.eventId })
    .prepare(),
);

const deleteBefore = prepared((db: Db) =>
  db
    .delete(kitProjectionEvents)
    .where(
      and(
        eq(kitProjectionEvents.projection, sql.placeholder("projection")),
        lt(kitProjectionEvents.storedAt, sql.placeholder("before")),
      ),
    )
    .prepare(),
);

const countFor = prepared((db: Db) =>
  db
    .select({ count: sql<number>`count(*)` })
    .from(kitProjectionEvents)
    .where(eq(kitProjectionEvents.projection, sql.placeholder("projection")))
    .prepare(),
);

/**
 * Records that `projection` applies `eventId` (stored by the broker at `storedAt`, ms) and
 * returns true; returns false, writing nothing, when it already applied that id: the caller
 * skips the event. One statement. Call inside the transaction that applies the event, so the
 * record commits or rolls back with its rows.
 */
export async function claimEvent(
  tx: Db,
  projection: string,
  eventId: string,
  storedAt: number,
): Promise<boolean> {
  const rows = await insertClaim(tx).all({ projection, eventId, storedAt });
  return rows.length === 1;
}

/** Forgets the ids `projection` applied from events stored before `before` (ms): bounds the table. */
export async function forgetEventsBefore(tx: Db, projection: string, before: number) {
  await deleteBefore(tx).run({ projection, before });
}

/** How many applied ids `projection` remembers (for tests and diagnostics). */
export async function countRememberedEvents(db: Db, projection: string): Promise<number> {
  const row = await countFor(db).get({ projection });
  return Number(row?.count ?? 0);
}
