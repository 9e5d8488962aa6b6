import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { waitUntil } from "@shop/shared/testing";
import { encodeEvent } from "../events/codec.ts";
import { eventFilters, eventSubject } from "../events/event-subject.ts";
import { counterValue } from "../fixtures/metric-value.ts";
import {
  noteCorrected,
  noteRecorded,
  readDeadLetters,
  TEST_STREAM,
} from "../fixtures/test-events.ts";
import { createProjectionTestBed } from "./projection-test-bed.ts";

const bed = createProjectionTestBed();
const { talliesProjection, rowsOf, checkpointOf } = bed;

/** Starts a tallies projection with its own file; `batchSize` as given. */
const start = (definition: Parameters<typeof bed.start>[0], file: string, batchSize?: number) =>
  bed.start(definition, { file, ...(batchSize === undefined ? {} : { tuning: { batchSize } }) });

/** Publishes notes on `test.<name>.<key>` and returns the last stored sequence. */
const publishNotes = async (name: string, notes: [key: string, amount: number][]) =>
  (await bed.publishNotes(name, notes)).at(-1) ?? 0;

/** What the read model must hold after `notes`, computed independently of the kit. */
function expectedRows(notes: [string, number][]) {
  const byKey = new Map<string, { key: string; total: number; applied: number }>();
  for (const [key, amount] of notes) {
    const row = byKey.get(key) ?? { key, total: 0, applied: 0 };
    row.total += amount;
    row.applied += 1;
    byKey.set(key, row);
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

const someNotes = (round: number, count: number): [string, number][] =>
  Array.from({ length: count }, (_, i) => [`k${(i * 7 + round) % 4}`, round * 100 + i]);

describe("building a read model", () => {
  test("rows built while events arrive equal the rows rebuilt from scratch", async () => {
    const name = "rebuild";
    const path = `${name}.db`;
    const live = await start(talliesProjection(name), path);

    const published: [string, number][] = [];
    let last = 0;
    for (let round = 1; round <= 3; round++) {
      const notes = someNotes(round, 10);
      last = await publishNotes(name, notes);
      published.push(...notes);
      await live.projection.waitFor(last);
      expect(await rowsOf(live.store)).toEqual(expectedRows(published));
    }
    const built = await rowsOf(live.store);
    expect(await checkpointOf(live.store, name)).toBe(last);
    await live.close();

    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${live.path}${suffix}`, { force: true });
    const rebuilt = await start(talliesProjection(name), `${name}.db`);
    expect(rebuilt.projection.position()).toBe(0);
    await rebuilt.projection.waitFor(last);
    expect(await rowsOf(rebuilt.store)).toEqual(built);
    expect(await checkpointOf(rebuilt.store, name)).toBe(last);
  });

  test("small batches build the same rows as one large batch", async () => {
    const name = "batches";
    const notes = someNotes(5, 25);
    const last = await publishNotes(name, notes);
    const small = await start(talliesProjection(name), "batches-small.db", 3);
    const large = await start(talliesProjection(name), "batches-large.db");
    await Promise.all([small.projection.waitFor(last), large.projection.waitFor(last)]);
    expect(await rowsOf(small.store)).toEqual(expectedRows(notes));
    expect(await rowsOf(large.store)).toEqual(await rowsOf(small.store));
  });

  test("applies the last partial batch of a large backlog without waiting for another event", async () => {
    const name = "backlog";
    const notes = someNotes(7, 20_000);
    const inFlight = notes.map(([key, amount]) =>
      bed.publisher.publish(
        `test.${name}.${key}`,
        bed.publisher.envelope({ type: noteRecorded.type, data: { key, amount } }, {}),
      ),
    );
    const last = Math.max(...(await Promise.all(inFlight)).map((r) => r.sequence));
    const { projection, store } = await start(talliesProjection(name), `${name}.db`, 500);
    await projection.waitFor(last, 20_000);
    expect(await rowsOf(store)).toEqual(expectedRows(notes));
  });

  test("reports caught up once it applied what was stored when it started", async () => {
    const name = "catchup";
    const last = await publishNotes(name, someNotes(1, 20));
    const { projection } = await start(talliesProjection(name), `${name}.db`);
    await waitUntil(() => projection.caughtUp(), { message: "the projection to catch up" });
    expect(projection.position()).toBe(last);
  });
});

describe("per-type filters", () => {
  test("a projection filtered on its types is sent only those, and is caught up without the others", async () => {
    const name = "typed";
    const recorded = (key: string, amount: number) =>
      bed.publisher.publish(
        eventSubject(`test.${name}.${key}`, noteRecorded.type),
        bed.publisher.envelope({ type: noteRecorded.type, data: { key, amount } }, {}),
      );
    const corrected = (key: string, amount: number) =>
      bed.publisher.publish(
        eventSubject(`test.${name}.${key}`, noteCorrected.type),
        bed.publisher.envelope({ type: noteCorrected.type, data: { key, amount } }, {}),
      );
    await recorded("a", 1);
    await corrected("a", 100);
    const last = await recorded("b", 2);
    await corrected("b", 200);
    const { projection, store } = await start(
      {
        ...talliesProjection(name),
        filterSubject: eventFilters(`test.${name}`, [noteRecorded.type]),
      },
      `${name}.db`,
    );
    await waitUntil(() => projection.caughtUp(), { message: "the projection to catch up" });
    expect(projection.position()).toBe(last.sequence);
    expect(projection.status().lag).toBe(0);
    expect(await rowsOf(store)).toEqual(
      expectedRows([
        ["a", 1],
        ["b", 2],
      ]),
    );
  });
});

describe("waitFor", () => {
  test("resolves once the event is applied, so the next read sees it", async () => {
    const name = "wait";
    const { projection, store } = await start(talliesProjection(name), "wait.db");
    for (let i = 1; i <= 5; i++) {
      const sequence = await publishNotes(name, [[`w${i}`, i]]);
      await projection.waitFor(sequence);
      expect(projection.position()).toBeGreaterThanOrEqual(sequence);
      const rows = await rowsOf(store);
      expect(rows.find((r) => r.key === `w${i}`)).toEqual({ key: `w${i}`, total: i, applied: 1 });
    }
  });

  test("resolves at once for a sequence already applied", async () => {
    const name = "wait-past";
    const { projection } = await start(talliesProjection(name), `${name}.db`);
    const sequence = await publishNotes(name, [["p", 1]]);
    await projection.waitFor(sequence);
    const startedAt = performance.now();
    await projection.waitFor(sequence - 1, 1);
    expect(performance.now() - startedAt).toBeLessThan(50);
  });

  test("rejects with projection.behind when the sequence is not applied in time", async () => {
    const name = "wait-never";
    const { projection } = await start(talliesProjection(name), `${name}.db`);
    const startedAt = performance.now();
    await expect(projection.waitFor(1_000_000, 200)).rejects.toMatchObject({
      kind: "unavailable",
      code: "projection.behind",
    });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(190);
  });
});

describe("restarts", () => {
  test("the checkpoint survives a restart: nothing is applied twice", async () => {
    const name = "restart";
    const path = `${name}.db`;
    const first = await start(talliesProjection(name), path);
    const before = someNotes(2, 12);
    const lastBefore = await publishNotes(name, before);
    await first.projection.waitFor(lastBefore);
    await first.close();

    const applied: number[] = [];
    const second = await start(
      talliesProjection(name, { beforeApply: (_key, sequence) => applied.push(sequence) }),
      `${name}.db`,
    );
    expect(second.projection.position()).toBe(lastBefore);
    const after: [string, number][] = [
      ["k0", 1],
      ["new", 5],
    ];
    const lastAfter = await publishNotes(name, after);
    await second.projection.waitFor(lastAfter);

    expect(applied).toHaveLength(2);
    expect(applied.every((sequence) => sequence > lastBefore)).toBe(true);
    expect(await rowsOf(second.store)).toEqual(expectedRows([...before, ...after]));
    expect(await checkpointOf(second.store, name)).toBe(lastAfter);
  });

  test("a failing batch rolls back and is applied again from the checkpoint", async () => {
    const name = "retry";
    let failures = 0;
    const flaky = talliesProjection(name, {
      beforeApply: () => {
        if (failures === 0) {
          failures += 1;
          throw new Error("disk hiccup");
        }
      },
    });
    const { projection, store, metrics } = await start(flaky, `${name}.db`);
    const notes: [string, number][] = [
      ["r", 1],
      ["r", 2],
    ];
    const last = await publishNotes(name, notes);
    await projection.waitFor(last, 10_000);
    expect(failures).toBe(1);
    expect(await rowsOf(store)).toEqual(expectedRows(notes));
    expect(await counterValue(metrics.failed, { consumer: name })).toBe(1);
  });
});

describe("poison messages", () => {
  test("an undecodable message is dead-lettered and skipped; later events still apply", async () => {
    const name = "poison";
    const { projection, store, metrics } = await start(talliesProjection(name), `${name}.db`);
    await publishNotes(name, [["good", 1]]);
    const garbage = await bed.nats.js.publish(`test.${name}.garbage`, "%%% not json");
    const invalid = encodeEvent(
      bed.publisher.envelope({ type: noteRecorded.type, data: { key: "bad", amount: "many" } }, {}),
    );
    const invalidAck = await bed.nats.js.publish(`test.${name}.invalid`, invalid.payload, {
      headers: invalid.headers,
    });
    const last = await publishNotes(name, [
      ["good", 2],
      ["later", 3],
    ]);

    await projection.waitFor(last);
    expect(await rowsOf(store)).toEqual([
      { key: "good", total: 3, applied: 2 },
      { key: "later", total: 3, applied: 1 },
    ]);
    expect(await checkpointOf(store, name)).toBe(last);

    const letters = await readDeadLetters(bed.nats, name, 2);
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({
      consumer: name,
      stream: TEST_STREAM.name,
      subject: `test.${name}.garbage`,
      streamSequence: garbage.seq,
      code: "event.malformed",
      payload: "%%% not json",
    });
    expect(letters[1]).toMatchObject({
      subject: `test.${name}.invalid`,
      streamSequence: invalidAck.seq,
      code: "event.invalid-data",
    });
    expect(await counterValue(metrics.deadLettered, { consumer: name })).toBe(2);
  });
});
