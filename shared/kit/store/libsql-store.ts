import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { createSerialQueue, type SqliteDb, type Store } from "./store.ts";

/**
 * @libsql/client store, for a libSQL server or Turso (`libsql:`, `http(s):`, `ws(s):`) or a
 * local file when chosen explicitly. Writes are serialized in-process: two transactions
 * at once on one file fail with SQLITE_BUSY, and a busy wait would block the event loop.
 */
export async function openLibsqlStore<Schema extends Record<string, unknown>>(
  url: string,
  {
    schema,
    migrations,
    authToken,
  }: { schema: Schema; migrations: { folder: string; table: string }[]; authToken?: string },
): Promise<Store<Schema>> {
  const client = createClient({ url, authToken, timeout: 5_000 });
  if (url.startsWith("file:")) await client.execute("PRAGMA journal_mode = WAL");
  const db = drizzle({ client, schema });
  for (const { folder, table } of migrations)
    await migrate(db, { migrationsFolder: folder, migrationsTable: table });
  const serially = createSerialQueue();

  return {
    driver: "libsql",
    read: db as unknown as SqliteDb<Schema>,
    write: (work) =>
      serially(() => db.transaction((tx) => work(tx as unknown as SqliteDb<Schema>))),
    close: () => serially(async () => client.close()),
  };
}
