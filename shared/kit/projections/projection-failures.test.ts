import { describe, expect, test } from "bun:test";
import { waitUntil } from "@shop/shared/testing";
import pino from "pino";
import { validationError } from "../errors/app-error.ts";
import { encodeEvent } from "../events/codec.ts";
import { counterValue } from "../fixtures/metric-value.ts";
import { noteRecorded, readDeadLetters } from "../fixtures/test-events.ts";
import { createProjectionTestBed } from "./projection-test-bed.ts";

const bed = createProjectionTestBed();

/** Short pauses so a test sees several retries quickly; the shape (doubling, jitter) is the default's. */
const tuning = { backoff: { initialMs: 40, maxMs: 400 }, handlerAttempts: 3 };

/** Calls to the handler per key, with the time of each. */
function attemptLog() {
  const byKey = new Map<string, number[]>();
  return {
    record: (key: string) => byKey.set(key, [...(byKey.get(key) ?? []), performance.now()]),
    of: (key: string) => byKey.get(key) ?? [],
  };
}

describe("a handler that keeps failing on one event, by default", () => {
  test("retries it with growing pauses, dead-letters it with the reason, and applies the rest", async () => {
    const name = "fails-dead-letter";
    const attempts = attemptLog();
    const { projection, store, metrics } = await bed.start(
      bed.talliesProjection(name, {
        beforeApply: (key) => {
          attempts.record(key);
          if (key === "bad") throw new Error("cannot apply bad");
        },
      }),
      { tuning },
    );
    const [first, bad, last] = await bed.publishNotes(name, [
      ["good", 1],
      ["bad", 2],
      ["good", 4],
    ]);

    await projection.waitFor(last as number, 10_000);
    expect(await bed.rowsOf(store)).toEqual([{ key: "good", total: 5, applied: 2 }]);
    expect(await bed.checkpointOf(store, name)).toBe(last as number);
    expect(first).toBeLessThan(bad as number);

    const times = attempts.of("bad");
    expect(times).toHaveLength(3);
    // Back-off: at least half of 40 ms, then of 80 ms (jitter draws between half and all).
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(19);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(39);

    const [letter] = await readDeadLetters(bed.nats, name, 1);
    expect(letter).toMatchObject({
      consumer: name,
      streamSequence: bad,
      subject: `test.${name}.bad`,
      code: "projection.handler-failed",
    });
    expect(letter?.reason).toContain("cannot apply bad");
    expect(await counterValue(metrics.deadLettered, { consumer: name })).toBe(1);
    expect(await counterValue(metrics.failed, { consumer: name })).toBe(3);
    expect(projection.status()).toMatchObject({ state: "live", ready: true, lag: 0 });
    // Retries happen on the messages in hand: no consumer was recreated, none left behind.
    expect(await bed.readerConsumers(name)).toHaveLength(1);
  });

  test("dead-letters an event refused with a permanent AppError at once, without retrying it", async () => {
    const name = "fails-permanent";
    const attempts = attemptLog();
    const { projection, store } = await bed.start(
      bed.talliesProjection(name, {
        beforeApply: (key) => {
          attempts.record(key);
          if (key === "refused") throw validationError("tally.refused", "refused by the model");
        },
      }),
      { tuning },
    );
    const [, refused, last] = await bed.publishNotes(name, [
      ["a", 1],
      ["refused", 1],
      ["b", 1],
    ]);
    await projection.waitFor(last as number, 10_000);
    expect(attempts.of("refused")).toHaveLength(1);
    expect((await bed.rowsOf(store)).map((r) => r.key)).toEqual(["a", "b"]);
    const [letter] = await readDeadLetters(bed.nats, name, 1);
    expect(letter).toMatchObject({ streamSequence: refused, code: "tally.refused" });
  });
  test("many failing events in one batch cost each good event at most two runs of its handler", async () => {
    const name = "fails-many";
    const keys = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? `good${i}` : `bad${i}`));
    const sequences = await bed.publishNotes(
      name,
      keys.map((key) => [key, 1]),
    );
    const attempts = attemptLog();
    const { projection, store } = await bed.start(
      bed.talliesProjection(name, {
        beforeApply: (key) => {
          attempts.record(key);
          if (key.startsWith("bad")) throw new Error(`cannot apply ${key}`);
        },
      }),
      { tuning: { ...tuning, handlerAttempts: 2 } },
    );
    await projection.waitFor(sequences.at(-1) as number, 10_000);
    const good = keys.filter((k) => k.startsWith("good"));
    expect((await bed.rowsOf(store)).map((r) => r.key).sort()).toEqual([...good].sort());
    for (const key of keys) {
      if (key.startsWith("bad")) expect(attempts.of(key)).toHaveLength(2);
      // Once in the attempt that failed further on, once when what preceded the failure commits.
      else expect(attempts.of(key).length).toBeLessThanOrEqual(2);
    }
    expect(await readDeadLetters(bed.nats, name, 6)).toHaveLength(6);
  });
  test("waits at an event of a version it does not know yet, saying why, and drops nothing", async () => {
    const name = "fails-unknown-version";
    const [first] = await bed.publishNotes(name, [["a", 1]]);
    const newer = encodeEvent({
      ...bed.publisher.envelope({ type: noteRecorded.type, data: { key: "b", amount: 1 } }, {}),
      version: 2,
    });
    const { seq } = await bed.nats.js.publish(`test.${name}.b`, newer.payload, {
      headers: newer.headers,
    });
    const { projection, metrics } = await bed.start(bed.talliesProjection(name), {
      tuning: { ...tuning, stallAfterMs: 300 },
    });
    await waitUntil(() => projection.status().state === "stalled", { message: "stalled" });
    expect(projection.status().reason).toContain("event.unknown-version");
    // What precedes it is applied; it and what follows wait.
    expect(projection.position()).toBe(first as number);
    expect(seq).toBe((first as number) + 1);
    expect(await counterValue(metrics.deadLettered, { consumer: name })).toBe(0);
  });
});

describe("a projection whose policy is halt", () => {
  test("stops before the event, keeps its checkpoint, says why, and deletes its consumer", async () => {
    const name = "fails-halt";
    const attempts = attemptLog();
    const logs: Record<string, unknown>[] = [];
    const logger = pino(
      { level: "error" },
      { write: (line: string) => logs.push(JSON.parse(line)) },
    );
    // Stored before it starts, so the three arrive in one batch: what precedes `bad` still commits.
    const [good, bad, after] = await bed.publishNotes(name, [
      ["good", 1],
      ["bad", 2],
      ["after", 3],
    ]);
    const { projection, store, metrics } = await bed.start(
      bed.talliesProjection(name, {
        onHandlerFailure: "halt",
        beforeApply: (key) => {
          attempts.record(key);
          if (key === "bad") throw new Error("cannot apply bad");
        },
      }),
      { tuning, logger },
    );

    await waitUntil(() => projection.status().state === "halted", { message: "halted" });
    const status = projection.status();
    expect(status.ready).toBe(false);
    expect(status.reason).toContain(`sequence ${bad}`);
    expect(status.reason).toContain("cannot apply bad");
    expect(projection.position()).toBe(good as number);
    expect(await bed.checkpointOf(store, name)).toBe(good as number);
    expect(await bed.rowsOf(store)).toEqual([{ key: "good", total: 1, applied: 1 }]);
    expect((await metrics.projectionHalted.get()).values).toEqual([
      { labels: { projection: name }, value: 1 },
    ]);
    expect(
      logs.some((l) => l.msg === "projection halted" && String(l.reason).includes("bad")),
    ).toBe(true);

    const startedAt = performance.now();
    await expect(projection.waitFor(after as number, 5_000)).rejects.toMatchObject({
      code: "projection.halted",
    });
    expect(performance.now() - startedAt).toBeLessThan(100);

    await waitUntil(async () => (await bed.readerConsumers(name)).length === 0, {
      message: "the halted projection's consumer to be deleted",
    });
    // Its lag is counted on the broker: the event it stopped at and the one after.
    expect(projection.status().lag).toBe(2);
    const tried = attempts.of("bad").length;
    expect(tried).toBe(3);
    await Bun.sleep(500);
    expect(attempts.of("bad")).toHaveLength(tried);
    expect(attempts.of("after")).toHaveLength(0);
    const info = await bed.nats.jsm.streams.info("DEADLETTER", {
      subjects_filter: `deadletter.TEST.${name}`,
    });
    expect(info.state.subjects?.[`deadletter.TEST.${name}`] ?? 0).toBe(0);
  });
  test("halts at an event that cannot be valid, rather than dead-lettering it", async () => {
    const name = "fails-halt-invalid";
    const [good] = await bed.publishNotes(name, [["good", 1]]);
    const invalid = encodeEvent(
      bed.publisher.envelope({ type: noteRecorded.type, data: { key: "x", amount: "many" } }, {}),
    );
    const { seq: invalidSeq } = await bed.nats.js.publish(`test.${name}.x`, invalid.payload, {
      headers: invalid.headers,
    });
    await bed.publishNotes(name, [["after", 1]]);
    const { projection, store, metrics } = await bed.start(
      bed.talliesProjection(name, { onHandlerFailure: "halt" }),
      { tuning },
    );
    await waitUntil(() => projection.status().state === "halted", { message: "halted" });
    expect(projection.status().reason).toContain(`sequence ${invalidSeq}`);
    expect(projection.status().reason).toContain("data.amount");
    expect(projection.position()).toBe(good as number);
    expect(await bed.rowsOf(store)).toEqual([{ key: "good", total: 1, applied: 1 }]);
    expect(await counterValue(metrics.deadLettered, { consumer: name })).toBe(0);
  });
});

describe("losing its consumer", () => {
  test("reads again from the checkpoint, backing off, and leaves no consumer behind", async () => {
    const name = "lost-consumer";
    const { projection, store, metrics } = await bed.start(bed.talliesProjection(name), {
      tuning,
    });
    const [first] = await bed.publishNotes(name, [["k", 1]]);
    await projection.waitFor(first as number);

    const seen = new Set<string>();
    for (let round = 1; round <= 3; round++) {
      const [current] = await bed.readerConsumers(name);
      expect(current).toBeDefined();
      seen.add(current as string);
      await bed.nats.jsm.consumers.delete("TEST", current as string);
      await waitUntil(
        async () => {
          const now = await bed.readerConsumers(name);
          return now.length === 1 && !seen.has(now[0] as string);
        },
        { message: `a new consumer after deletion ${round}` },
      );
    }
    const [, last] = await bed.publishNotes(name, [
      ["k", 2],
      ["k", 3],
    ]);
    await projection.waitFor(last as number, 5_000);
    expect(await bed.rowsOf(store)).toEqual([{ key: "k", total: 6, applied: 3 }]);
    expect(await bed.readerConsumers(name)).toHaveLength(1);
    expect(await counterValue(metrics.failed, { consumer: name })).toBe(0);
  });
});
