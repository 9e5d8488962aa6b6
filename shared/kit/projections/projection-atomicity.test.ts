import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { waitUntil } from "@shop/shared/testing";
import type { SqliteDb } from "../store/store.ts";
import { countRememberedEvents } from "./applied-events.ts";
import { createProjectionTestBed } from "./projection-test-bed.ts";

const bed = createProjectionTestBed();

/** Makes every write of `name`'s checkpoint fail, as a full disk would, until the returned function is called. */
function failCheckpointWrites(path: string, name: string) {
  const db = new Database(path);
  for (const event of ["INSERT", "UPDATE"]) {
    db.exec(
      `CREATE TRIGGER fail_checkpoint_${event.toLowerCase()} BEFORE ${event} ON kit_checkpoints
       WHEN NEW.name = '${name}' BEGIN SELECT RAISE(ABORT, 'checkpoint write refused (test)'); END`,
    );
  }
  return () => {
    db.exec("DROP TRIGGER fail_checkpoint_insert");
    db.exec("DROP TRIGGER fail_checkpoint_update");
    db.close();
  };
}

async function lagMetric(
  metrics: { registry: { getSingleMetric(name: string): unknown } },
  name: string,
) {
  const gauge = metrics.registry.getSingleMetric("consumer_lag_messages") as {
    get(): Promise<{ values: { labels: Record<string, string>; value: number }[] }>;
  };
  return (await gauge.get()).values.find((v) => v.labels.consumer === name)?.value;
}

describe("a batch and its checkpoint", () => {
  test("commit together: while the checkpoint cannot be written nothing of the batch shows; afterwards each event is applied once", async () => {
    const name = "atomic";
    const handled: string[] = [];
    const running = await bed.start(
      bed.talliesProjection(name, { beforeApply: (key) => handled.push(key) }),
      { tuning: { backoff: { initialMs: 20, maxMs: 100 }, stallAfterMs: 300 } },
    );
    const { projection, store, metrics } = running;
    const [first] = await bed.publishNotes(name, [["a", 1]]);
    await projection.waitFor(first as number);

    const allowCheckpoints = failCheckpointWrites(running.path, name);
    let restored = false;
    try {
      const later = await bed.publishNotes(name, [
        ["b", 2],
        ["c", 3],
      ]);
      await waitUntil(() => projection.status().state === "stalled", { message: "stalled" });
      expect(projection.status().ready).toBe(false);
      expect(projection.status().reason).toContain("checkpoint write refused (test)");
      // None of the batch's rows, nor its ids, are visible without its checkpoint...
      expect(await bed.rowsOf(store)).toEqual([{ key: "a", total: 1, applied: 1 }]);
      expect(await bed.checkpointOf(store, name)).toBe(first as number);
      const kitDb = store.read as unknown as SqliteDb<Record<string, unknown>>;
      expect(await countRememberedEvents(kitDb, name)).toBe(1);
      // ...though its handler ran, once per failed commit.
      expect(handled.filter((k) => k === "b").length).toBeGreaterThanOrEqual(2);
      expect(await lagMetric(metrics, name)).toBe(2);

      allowCheckpoints();
      restored = true;
      await projection.waitFor(later.at(-1) as number, 5_000);
    } finally {
      if (!restored) allowCheckpoints();
    }
    expect(await bed.rowsOf(store)).toEqual([
      { key: "a", total: 1, applied: 1 },
      { key: "b", total: 2, applied: 1 },
      { key: "c", total: 3, applied: 1 },
    ]);
    expect(projection.status()).toMatchObject({ state: "live", ready: true, lag: 0 });
    expect(await lagMetric(metrics, name)).toBe(0);
  });
});
