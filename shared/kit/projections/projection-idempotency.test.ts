import { describe, expect, test } from "bun:test";
import { encodeEvent } from "../events/codec.ts";
import { noteRecorded } from "../fixtures/test-events.ts";
import type { SqliteDb } from "../store/store.ts";
import { countRememberedEvents } from "./applied-events.ts";
import { createProjectionTestBed } from "./projection-test-bed.ts";

const bed = createProjectionTestBed();

/** Stores the same encoded event again, as a publisher without `Nats-Msg-Id` would: the broker cannot dedupe it. */
async function storeCopy(subject: string, event: ReturnType<typeof encodeEvent>) {
  return (await bed.nats.js.publish(subject, event.payload, { headers: event.headers })).seq;
}

describe("idempotency by event id", () => {
  test("an event stored twice or more without Nats-Msg-Id is applied once, across batches and restarts", async () => {
    const name = "dedupe";
    const definition = bed.talliesProjection(name);
    const first = await bed.start(definition, { file: "dedupe.db" });
    const subject = `test.${name}.k`;
    const once = encodeEvent(
      bed.publisher.envelope({ type: noteRecorded.type, data: { key: "k", amount: 10 } }, {}),
    );

    // Two copies in one batch, then one in a later batch.
    const a = await storeCopy(subject, once);
    const b = await storeCopy(subject, once);
    expect(b).toBeGreaterThan(a);
    await first.projection.waitFor(b);
    const c = await storeCopy(subject, once);
    await first.projection.waitFor(c);
    expect(await bed.rowsOf(first.store)).toEqual([{ key: "k", total: 10, applied: 1 }]);
    expect(await bed.checkpointOf(first.store, name)).toBe(c);
    await first.close();

    // Restarted on the same database: it still remembers the id.
    const second = await bed.start(definition, { file: "dedupe.db" });
    const d = await storeCopy(subject, once);
    const [other] = await bed.publishNotes(name, [["k", 1]]);
    await second.projection.waitFor(other as number);
    expect(d).toBeLessThan(other as number);
    expect(await bed.rowsOf(second.store)).toEqual([{ key: "k", total: 11, applied: 2 }]);
  });

  test("remembers only the ids within its horizon of stream time", async () => {
    const name = "dedupe-horizon";
    const { projection, store } = await bed.start(
      bed.talliesProjection(name, { dedupeHorizonMs: 500 }),
    );
    const kitDb = store.read as unknown as SqliteDb<Record<string, unknown>>;
    const early = await bed.publishNotes(name, [
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
    await projection.waitFor(early.at(-1) as number);
    expect(await countRememberedEvents(kitDb, name)).toBe(3);

    await Bun.sleep(700);
    const [late] = await bed.publishNotes(name, [["d", 1]]);
    await projection.waitFor(late as number);
    expect(await countRememberedEvents(kitDb, name)).toBe(1);
    expect((await bed.rowsOf(store)).map((r) => r.key)).toEqual(["a", "b", "c", "d"]);
  });
});
