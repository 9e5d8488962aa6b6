import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createTempDir, type TempDir } from "@shop/shared/testing";
import { asc, eq, sql } from "drizzle-orm";
import {
  counters,
  type FixtureSchema,
  fixtureMigrationsFolder,
  fixtureSchema,
  notes,
} from "../fixtures/schema.ts";
import { readCheckpoint, saveCheckpoint } from "./checkpoints.ts";
import { chooseDriver, openStore } from "./open-store.ts";
import { markProcessed, wasProcessed } from "./processed-events.ts";
import { prepared, type SqliteDb, type Store, type StoreDriver } from "./store.ts";

type Db = SqliteDb<FixtureSchema>;
type KitDb = SqliteDb<Record<string, unknown>>;

const temp: TempDir = createTempDir("kit-store");
afterAll(() => temp.cleanup());

let fileNumber = 0;
const freshPath = () => join(temp.path, `store-${++fileNumber}.db`);

/** A gate a test opens by hand: lets a transaction stay open while the test looks around. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

const listNotes = (db: Db) => db.select().from(notes).orderBy(asc(notes.key));

// The same behaviour, whichever driver runs the file.
describe.each<StoreDriver>(["bun-sqlite", "libsql"])("store on %s", (driver) => {
  let path: string;
  let store: Store<FixtureSchema>;

  const open = (at = path) =>
    openStore({
      url: at,
      driver,
      schema: fixtureSchema,
      migrationsFolder: fixtureMigrationsFolder,
    });

  beforeEach(async () => {
    path = freshPath();
    store = await open();
  });

  afterEach(async () => {
    await store.close();
  });

  test("opens with the chosen driver", () => {
    expect(store.driver).toBe(driver);
  });

  test("applies the kit's and the service's migrations, once", async () => {
    const tables = await store.read.all<{ name: string }>(
      sql`select name from sqlite_master where type = 'table' order by name`,
    );
    const names = tables.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "kit_checkpoints",
        "kit_processed_events",
        "notes",
        "counters",
        "tallies",
        "received_events",
        "__kit_migrations",
        "__drizzle_migrations",
      ]),
    );
    await store.write((tx) => tx.insert(notes).values({ key: "kept", body: "before reopen" }));
    await store.close();

    store = await open();
    const applied = await store.read.all<{ n: number }>(
      sql`select count(*) as n from __drizzle_migrations`,
    );
    expect(applied[0]?.n).toBe(1);
    expect(await listNotes(store.read)).toMatchObject([{ key: "kept", body: "before reopen" }]);
  });

  test("uses WAL journaling", async () => {
    const [mode] = await store.read.all<{ journal_mode: string }>(sql`pragma journal_mode`);
    expect(mode?.journal_mode).toBe("wal");
  });

  test("a write that resolves is committed and returns its result", async () => {
    const result = await store.write(async (tx) => {
      await tx.insert(notes).values({ key: "a", body: "first" });
      return "done";
    });
    expect(result).toBe("done");
    expect(await listNotes(store.read)).toMatchObject([{ key: "a", body: "first" }]);
  });

  test("a write that throws is rolled back and the store keeps working", async () => {
    const failure = new Error("handler blew up");
    const failing = store.write(async (tx) => {
      await tx.insert(notes).values({ key: "lost", body: "never committed" });
      await tx.insert(counters).values({ name: "lost", value: 1 });
      throw failure;
    });
    await expect(failing).rejects.toBe(failure);
    expect(await listNotes(store.read)).toEqual([]);
    expect(await store.read.select().from(counters)).toEqual([]);

    await store.write((tx) => tx.insert(notes).values({ key: "next", body: "after the rollback" }));
    expect(await listNotes(store.read)).toMatchObject([{ key: "next" }]);
  });

  test("a constraint violation rolls back the statements before it", async () => {
    await store.write((tx) => tx.insert(notes).values({ key: "dup", body: "one" }));
    const failing = store.write(async (tx) => {
      await tx.insert(counters).values({ name: "partial", value: 1 });
      await tx.insert(notes).values({ key: "dup", body: "two" });
    });
    await expect(failing).rejects.toThrow();
    expect(await store.read.select().from(counters)).toEqual([]);
    expect(await listNotes(store.read)).toMatchObject([{ key: "dup", body: "one" }]);
  });

  test("concurrent writes run one at a time, without SQLITE_BUSY or lost updates", async () => {
    await store.write((tx) => tx.insert(counters).values({ name: "hits", value: 0 }));
    let inside = 0;
    let mostInside = 0;
    const increment = () =>
      store.write(async (tx) => {
        inside += 1;
        mostInside = Math.max(mostInside, inside);
        const [row] = await tx.select().from(counters).where(eq(counters.name, "hits"));
        // Yield between the read and the write: interleaved transactions would lose updates here.
        await Bun.sleep(1);
        await tx
          .update(counters)
          .set({ value: (row?.value ?? 0) + 1 })
          .where(eq(counters.name, "hits"));
        inside -= 1;
      });

    const results = await Promise.allSettled(Array.from({ length: 40 }, increment));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(mostInside).toBe(1);
    const [row] = await store.read.select().from(counters).where(eq(counters.name, "hits"));
    expect(row?.value).toBe(40);
  });

  test("a read during an open write transaction does not see its uncommitted rows", async () => {
    await store.write((tx) => tx.insert(notes).values({ key: "committed", body: "visible" }));
    const inserted = gate();
    const release = gate();
    const writing = store.write(async (tx) => {
      await tx.insert(notes).values({ key: "pending", body: "not yet" });
      inserted.open();
      await release.opened;
    });

    await inserted.opened;
    expect((await listNotes(store.read)).map((n) => n.key)).toEqual(["committed"]);
    release.open();
    await writing;
    expect((await listNotes(store.read)).map((n) => n.key)).toEqual(["committed", "pending"]);
  });

  test("prepared statements run inside writes and on the read handle", async () => {
    let builds = 0;
    const insertNote = prepared((db: Db) => {
      builds += 1;
      return db
        .insert(notes)
        .values({ key: sql.placeholder("key"), body: sql.placeholder("body") })
        .prepare();
    });
    const noteByKey = prepared((db: Db) =>
      db
        .select()
        .from(notes)
        .where(eq(notes.key, sql.placeholder("key")))
        .prepare(),
    );

    await store.write(async (tx) => {
      await insertNote(tx).run({ key: "p1", body: "one" });
      await insertNote(tx).run({ key: "p2", body: "two" });
    });
    await store.write((tx) => insertNote(tx).run({ key: "p3", body: "three" }));

    expect(await noteByKey(store.read).get({ key: "p2" })).toMatchObject({ body: "two" });
    expect(await noteByKey(store.read).get({ key: "missing" })).toBeUndefined();
    expect(noteByKey(store.read)).toBe(noteByKey(store.read));
    // Prepared once per handle: once per store on bun:sqlite, once per transaction on libsql.
    expect(builds).toBe(driver === "bun-sqlite" ? 1 : 2);
    expect((await listNotes(store.read)).map((n) => n.key)).toEqual(["p1", "p2", "p3"]);
  });

  test("a checkpoint reads 0 until saved, then its last saved position", async () => {
    const read = store.read as unknown as KitDb;
    expect(await readCheckpoint(read, "orders")).toBe(0);
    await store.write((tx) => saveCheckpoint(tx as unknown as KitDb, "orders", 17));
    expect(await readCheckpoint(read, "orders")).toBe(17);
    await store.write((tx) => saveCheckpoint(tx as unknown as KitDb, "orders", 42));
    expect(await readCheckpoint(read, "orders")).toBe(42);
    expect(await readCheckpoint(read, "another")).toBe(0);
  });

  test("a checkpoint saved in a failed write is rolled back with it", async () => {
    const read = store.read as unknown as KitDb;
    await store.write((tx) => saveCheckpoint(tx as unknown as KitDb, "orders", 5));
    const failing = store.write(async (tx) => {
      await saveCheckpoint(tx as unknown as KitDb, "orders", 9);
      throw new Error("apply failed");
    });
    await expect(failing).rejects.toThrow("apply failed");
    expect(await readCheckpoint(read, "orders")).toBe(5);
  });

  test("processed events are recorded per consumer and refuse a second record", async () => {
    const read = store.read as unknown as KitDb;
    expect(await wasProcessed(read, "billing", "evt-1")).toBe(false);
    await store.write((tx) => markProcessed(tx as unknown as KitDb, "billing", "evt-1"));
    expect(await wasProcessed(read, "billing", "evt-1")).toBe(true);
    expect(await wasProcessed(read, "shipping", "evt-1")).toBe(false);

    const again = store.write((tx) => markProcessed(tx as unknown as KitDb, "billing", "evt-1"));
    await expect(again).rejects.toThrow();
  });

  test("wasProcessed inside the write sees the transaction's own record", async () => {
    const seen = await store.write(async (tx) => {
      const kitTx = tx as unknown as KitDb;
      await markProcessed(kitTx, "billing", "evt-2");
      return wasProcessed(kitTx, "billing", "evt-2");
    });
    expect(seen).toBe(true);
  });

  test("committed rows survive closing and reopening the file", async () => {
    await store.write((tx) => tx.insert(notes).values({ key: "durable", body: "on disk" }));
    await store.close();
    store = await open();
    expect(await listNotes(store.read)).toMatchObject([{ key: "durable", body: "on disk" }]);
  });
});

describe("chooseDriver", () => {
  test("uses bun:sqlite for local files unless told otherwise, libsql for remote URLs", () => {
    expect(chooseDriver("file:data/x.db")).toBe("bun-sqlite");
    expect(chooseDriver("data/x.db")).toBe("bun-sqlite");
    expect(chooseDriver("file:data/x.db", "libsql")).toBe("libsql");
    expect(chooseDriver("libsql://db.example.org")).toBe("libsql");
    expect(chooseDriver("https://db.example.org", "bun-sqlite")).toBe("libsql");
  });
});

describe("openStore", () => {
  test("creates the database file's folder", async () => {
    const nested = join(temp.path, "deep", "er", "service.db");
    const store = await openStore({
      url: `file:${nested}`,
      schema: fixtureSchema,
      migrationsFolder: fixtureMigrationsFolder,
    });
    try {
      await store.write((tx) => tx.insert(notes).values({ key: "x", body: "y" }));
      expect(await Bun.file(nested).exists()).toBe(true);
    } finally {
      await store.close();
    }
  });
});
