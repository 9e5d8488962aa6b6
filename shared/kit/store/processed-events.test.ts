import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createTempDir, type TempDir } from "@shop/shared/testing";
import { type FixtureSchema, fixtureMigrationsFolder, fixtureSchema } from "../fixtures/schema.ts";
import { openStore } from "./open-store.ts";
import { markProcessed, pruneProcessed, wasProcessed } from "./processed-events.ts";
import type { SqliteDb, Store, StoreDriver } from "./store.ts";

type KitDb = SqliteDb<Record<string, unknown>>;
const temp: TempDir = createTempDir("kit-processed-events");
afterAll(() => temp.cleanup());
let fileNumber = 0;

const day = 24 * 60 * 60_000;
const t0 = new Date("2026-01-10T12:00:00.000Z");
const daysAgo = (n: number) => new Date(t0.getTime() - n * day);

describe.each<StoreDriver>(["bun-sqlite", "libsql"])("processed events on %s", (driver) => {
  let store: Store<FixtureSchema>;
  const kit = (db: unknown) => db as KitDb;

  beforeEach(async () => {
    store = await openStore({
      url: join(temp.path, `processed-${++fileNumber}.db`),
      driver,
      schema: fixtureSchema,
      migrationsFolder: fixtureMigrationsFolder,
    });
  });
  afterEach(() => store.close());

  test("pruning deletes a consumer's records older than the horizon and keeps dedupe inside it", async () => {
    await store.write(async (tx) => {
      await markProcessed(kit(tx), "billing", "old-1", daysAgo(9));
      await markProcessed(kit(tx), "billing", "old-2", daysAgo(8));
      await markProcessed(kit(tx), "billing", "recent", daysAgo(1));
      await markProcessed(kit(tx), "billing", "edge", daysAgo(7));
      await markProcessed(kit(tx), "shipping", "old-1", daysAgo(9));
    });

    const deleted = await store.write((tx) => pruneProcessed(kit(tx), "billing", daysAgo(7)));

    expect(deleted).toBe(2);
    const read = kit(store.read);
    expect(await wasProcessed(read, "billing", "old-1")).toBe(false);
    expect(await wasProcessed(read, "billing", "old-2")).toBe(false);
    expect(await wasProcessed(read, "billing", "recent")).toBe(true);
    expect(await wasProcessed(read, "billing", "edge")).toBe(true);
    // Another consumer's records follow its own horizon.
    expect(await wasProcessed(read, "shipping", "old-1")).toBe(true);
    // Inside the horizon a record still refuses a second handling.
    await expect(
      store.write((tx) => markProcessed(kit(tx), "billing", "recent")),
    ).rejects.toThrow();
  });

  test("pruning works in chunks of at most `limit`, oldest first", async () => {
    await store.write(async (tx) => {
      for (let i = 0; i < 5; i += 1)
        await markProcessed(kit(tx), "billing", `e${i}`, daysAgo(10 - i));
    });
    expect(await store.write((tx) => pruneProcessed(kit(tx), "billing", t0, 2))).toBe(2);
    const read = kit(store.read);
    expect(await wasProcessed(read, "billing", "e0")).toBe(false);
    expect(await wasProcessed(read, "billing", "e1")).toBe(false);
    expect(await wasProcessed(read, "billing", "e2")).toBe(true);
    expect(await store.write((tx) => pruneProcessed(kit(tx), "billing", t0, 2))).toBe(2);
    expect(await store.write((tx) => pruneProcessed(kit(tx), "billing", t0, 2))).toBe(1);
    expect(await store.write((tx) => pruneProcessed(kit(tx), "billing", t0, 2))).toBe(0);
  });
});
