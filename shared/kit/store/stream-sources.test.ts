import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { createTempDir } from "@shop/shared/testing";
import { fixtureMigrationsFolder, fixtureSchema } from "../fixtures/schema.ts";
import { openStore } from "./open-store.ts";
import { verifyStreamSource } from "./stream-sources.ts";

const temp = createTempDir("stream-sources");
afterAll(() => temp.cleanup());

test("a database built from one stream refuses to serve another, and says how to rebuild", async () => {
  const url = `file:${join(temp.path, "orders.db")}`;
  const store = await openStore({
    url,
    schema: fixtureSchema,
    migrationsFolder: fixtureMigrationsFolder,
  });
  const source = { stream: "ORDERS", database: url };
  try {
    await verifyStreamSource(store, { ...source, created: "2026-11-30T01:00:00Z" });
    // The same stream again (a restart against the same broker): accepted.
    await verifyStreamSource(store, { ...source, created: "2026-11-30T01:00:00Z" });
    // Another broker, or the stream recreated: refused with what to do.
    const refusal = verifyStreamSource(store, { ...source, created: "2026-11-30T02:00:00Z" });
    await expect(refusal).rejects.toMatchObject({ code: "store.other-source" });
    await expect(refusal).rejects.toThrow(/Delete the database file to rebuild it/);
    // Another stream is recorded on its own.
    await verifyStreamSource(store, {
      stream: "USERS",
      database: url,
      created: "2026-11-30T02:00:00Z",
    });
  } finally {
    await store.close();
  }
});
