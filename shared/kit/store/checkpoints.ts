import { eq, sql } from "drizzle-orm";
import { kitCheckpoints } from "./kit-schema.ts";
import { prepared, type SqliteDb } from "./store.ts";

type Db = SqliteDb<Record<string, unknown>>;

const selectPosition = prepared((db: Db) =>
  db
    .select({ position: kitCheckpoints.position })
    .from(kitCheckpoints)
    .where(eq(kitCheckpoints.name, sql.placeholder("name")))
    .prepare(),
);

const upsertPosition = prepared((db: Db) =>
  db
    .insert(kitCheckpoints)
    .values({
      name: sql.placeholder("name"),
      position: sql.placeholder("position"),
      updatedAt: sql.placeholder("updatedAt"),
    })
    .onConflictDoUpdate({
      target: kitCheckpoints.name,
      set: { position: sql`excluded.position`, updatedAt: sql`excluded.updated_at` },
    })
    .prepare(),
);

/** The stream sequence a projection has applied up to (0 = nothing yet). */
export async function readCheckpoint(db: Db, name: string): Promise<number> {
  const row = await selectPosition(db).get({ name });
  return row?.position ?? 0;
}

/** Records a projection's position; call inside the transaction that applied the events. */
export async function saveCheckpoint(tx: Db, name: string, position: number): Promise<void> {
  await upsertPosition(tx).run({ name, position, updatedAt: new Date().toISOString() });
}
