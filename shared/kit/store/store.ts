import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { createKeyedLock } from "../aggregates/keyed-lock.ts";

/** A drizzle SQLite database of either driver; await every query so both drivers behave alike. */
export type SqliteDb<Schema extends Record<string, unknown> = Record<string, never>> =
  // biome-ignore lint/suspicious/noExplicitAny: the run-result type differs per driver and is never read.
  BaseSQLiteDatabase<"sync" | "async", any, Schema>;

export type StoreDriver = "bun-sqlite" | "libsql";

/**
 * One service's local database. One writer per file: `write` runs transactions one at a
 * time in this process, and `read` never sees a half-applied transaction. Use `tx` for
 * every statement inside `write`, prepared statements included.
 */
export interface Store<Schema extends Record<string, unknown> = Record<string, never>> {
  readonly driver: StoreDriver;
  readonly read: SqliteDb<Schema>;
  /** Runs `work` in one transaction (BEGIN IMMEDIATE); commits when it resolves, rolls back when it throws. */
  write<T>(work: (tx: SqliteDb<Schema>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Runs tasks one after another; a failed task does not block the next. */
export function createSerialQueue() {
  const withLock = createKeyedLock();
  return <T>(task: () => Promise<T>): Promise<T> => withLock("store", task);
}

/**
 * Memoizes a prepared statement per database handle. On bun:sqlite the writer and reader
 * handles live as long as the store, so each statement is prepared once; libsql hands a
 * new `tx` to each transaction, so there it is prepared per transaction.
 */
export function prepared<Db extends object, P>(build: (db: Db) => P): (db: Db) => P {
  const cache = new WeakMap<Db, P>();
  return (db) => {
    let statement = cache.get(db);
    if (!statement) {
      statement = build(db);
      cache.set(db, statement);
    }
    return statement;
  };
}
