import { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import { createSerialQueue, type SqliteDb, type Store } from "./store.ts";

/**
 * bun:sqlite store: a writer connection (transactions begun by hand, since bun:sqlite's
 * own transaction() cannot await) and a separate read-only connection, which in WAL mode
 * sees only committed transactions.
 */
export function openBunSqliteStore<Schema extends Record<string, unknown>>(
  path: string,
  { schema, migrations }: { schema: Schema; migrations: { folder: string; table: string }[] },
): Store<Schema> {
  const writerConnection = new Database(path, { create: true });
  writerConnection.exec("PRAGMA journal_mode = WAL");
  // In WAL mode NORMAL syncs at checkpoints, not at every commit: a process crash loses
  // nothing, a power loss may lose the last commits. That is no weaker than the broker's own
  // default (JetStream syncs its files every 2 minutes), and every read model and idempotency
  // record here is rebuilt from, or re-checked against, the streams.
  writerConnection.exec("PRAGMA synchronous = NORMAL");
  writerConnection.exec("PRAGMA busy_timeout = 5000");
  writerConnection.exec("PRAGMA foreign_keys = ON");
  const writer = drizzle({ client: writerConnection, schema });
  for (const { folder, table } of migrations)
    migrate(writer, { migrationsFolder: folder, migrationsTable: table });

  const readerConnection = new Database(path, { readonly: true });
  readerConnection.exec("PRAGMA busy_timeout = 5000");
  const reader = drizzle({ client: readerConnection, schema });
  const serially = createSerialQueue();

  return {
    driver: "bun-sqlite",
    read: reader as unknown as SqliteDb<Schema>,
    write: (work) =>
      serially(async () => {
        writerConnection.exec("BEGIN IMMEDIATE");
        try {
          const result = await work(writer as unknown as SqliteDb<Schema>);
          writerConnection.exec("COMMIT");
          return result;
        } catch (err) {
          writerConnection.exec("ROLLBACK");
          throw err;
        }
      }),
    close: () =>
      serially(async () => {
        readerConnection.close();
        writerConnection.close();
      }),
  };
}
