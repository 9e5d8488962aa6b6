import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  createTempDir,
  getFreePort,
  type NatsServerHandle,
  type ServiceProcessHandle,
  startNatsServer,
  startServiceProcess,
  type TempDir,
} from "@shop/shared/testing";
import { buildBundles } from "./bundles.ts";
import { bundleEntry, CARD_GATEWAY, DIST, ROOT } from "./services.ts";

setDefaultTimeout(60_000);

let nats: NatsServerHandle;
let outDir: string;
const started: { process: ServiceProcessHandle; data: TempDir }[] = [];

beforeAll(async () => {
  // Inside the repository, as dist/ is: the external packages resolve from its node_modules.
  mkdirSync(DIST, { recursive: true });
  outDir = mkdtempSync(join(DIST, "test-"));
  await buildBundles({ names: ["orders", CARD_GATEWAY.name], outDir });
  nats = await startNatsServer();
});

afterAll(async () => {
  for (const { process, data } of started) {
    if (process.isRunning()) await process.stop();
    data.cleanup();
  }
  await nats?.cleanup();
  rmSync(outDir, { recursive: true, force: true });
});

/** Runs a bundle on a fresh data folder, as `npm start` does, until it answers ready. */
async function startBundle(name: string, env: Record<string, string> = {}) {
  const data = createTempDir(`bundle-${name}-`);
  const port = await getFreePort();
  const process = await startServiceProcess({
    name,
    entry: bundleEntry(name, outDir),
    port,
    env: {
      NATS_URL: nats.url,
      PORT: String(port),
      DATA_DIR: data.path,
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      NODE_ENV: "production",
      ...env,
    },
  });
  started.push({ process, data });
  return { process, data };
}

function readDatabase<T>(file: string, read: (db: Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const tableNames = (file: string) =>
  readDatabase(file, (db) =>
    db
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((row) => row.name),
  );

const appliedMigrations = (file: string, table: string) =>
  readDatabase(
    file,
    (db) => db.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0,
  );

/** The migrations a drizzle-kit folder holds, by its journal. */
const journalLength = (folder: string) =>
  (
    JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as {
      entries: unknown[];
    }
  ).entries.length;

describe("a bundled service", () => {
  test("migrates a fresh database with the kit's and its own migrations, and becomes ready", async () => {
    const { process, data } = await startBundle("orders");
    const file = join(data.path, "orders.db");
    expect(appliedMigrations(file, "__kit_migrations")).toBe(
      journalLength(join(ROOT, "shared", "kit", "store", "migrations")),
    );
    expect(appliedMigrations(file, "__drizzle_migrations")).toBe(
      journalLength(join(ROOT, "services", "orders", "drizzle")),
    );
    expect(tableNames(file)).toEqual(
      expect.arrayContaining(["kit_checkpoints", "kit_stream_sources", "orders", "catalog"]),
    );
    const missing = await fetch(`${process.url}/orders/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
  });

  test("loads @libsql/client from node_modules only when a store asks for it", async () => {
    const entry = readFileSync(bundleEntry("orders", outDir), "utf8");
    expect(entry).not.toMatch(/from\s*"@libsql\/client"/);
    const { data } = await startBundle("orders", { DATABASE_DRIVER: "libsql" });
    expect(tableNames(join(data.path, "orders.db"))).toContain("__drizzle_migrations");
  });

  test("writes pretty logs with LOG_FORMAT=pretty (pino-pretty from node_modules)", async () => {
    const { process } = await startBundle("orders", { LOG_FORMAT: "pretty" });
    const lines = process.logs().filter((line) => line.includes("database ready"));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.trimStart().startsWith("{")).toBe(false);
  });
});

test("the card gateway's bundle starts and answers ready", async () => {
  const { process } = await startBundle(CARD_GATEWAY.name);
  expect((await fetch(`${process.url}/health/ready`)).status).toBe(200);
});
