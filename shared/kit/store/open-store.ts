import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { openBunSqliteStore } from "./bun-sqlite-store.ts";
import type { Store, StoreDriver } from "./store.ts";

const KIT_MIGRATIONS = { folder: join(import.meta.dir, "migrations"), table: "__kit_migrations" };

export interface OpenStoreOptions<Schema extends Record<string, unknown>> {
  /** `file:path`, a plain path, or a `libsql:`/`http(s):`/`ws(s):` URL for a libSQL server. */
  url: string;
  /** Forces a driver; by default remote URLs use libsql and local files bun:sqlite. */
  driver?: StoreDriver | undefined;
  authToken?: string | undefined;
  schema: Schema;
  /** The service's drizzle-kit migrations folder, applied after the kit's own tables. */
  migrationsFolder: string;
}

const isRemote = (url: string) => /^(libsql|https?|wss?):/.test(url);

/** Picks the driver for a URL: libsql for remote URLs, bun:sqlite for local files unless told otherwise. */
export const chooseDriver = (url: string, driver?: StoreDriver): StoreDriver =>
  isRemote(url) ? "libsql" : (driver ?? "bun-sqlite");

/**
 * Opens a service's store and applies the kit's and the service's migrations before
 * returning, so a store in hand is always at the current schema. WAL mode; creates the
 * file's folder when needed.
 */
export async function openStore<Schema extends Record<string, unknown>>(
  options: OpenStoreOptions<Schema>,
): Promise<Store<Schema>> {
  const { url, schema, authToken } = options;
  const migrations = [
    KIT_MIGRATIONS,
    { folder: options.migrationsFolder, table: "__drizzle_migrations" },
  ];
  const driver = chooseDriver(url, options.driver);
  // @libsql/client and its native module cost ~20 MB of RSS: loaded only when a service uses it.
  const libsql = async () => (await import("./libsql-store.ts")).openLibsqlStore;
  if (isRemote(url)) return (await libsql())(url, { schema, migrations, authToken });
  const path = resolve(url.replace(/^file:/, ""));
  mkdirSync(dirname(path), { recursive: true });
  return driver === "libsql"
    ? (await libsql())(`file:${path}`, { schema, migrations, authToken })
    : openBunSqliteStore(path, { schema, migrations });
}
