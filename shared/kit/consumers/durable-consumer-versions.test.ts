import { describe, expect, test } from "bun:test";
import { waitUntil } from "@shop/shared/testing";
import { z } from "zod";
import { unavailable } from "../errors/app-error.ts";
import { encodeEvent } from "../events/codec.ts";
import { createContractRegistry, defineEvent } from "../events/event-contract.ts";
import { on } from "../events/on-event.ts";
import { createConsumerTestBed } from "../fixtures/consumer-test-bed.ts";
import { counterValue } from "../fixtures/metric-value.ts";
import { noteRecorded, TEST_STREAM, testConsumer } from "../fixtures/test-events.ts";
import { consumersReadiness } from "./consumer-readiness.ts";
import { DEAD_LETTER_STREAM, deadLetterSubject } from "./dead-letter.ts";

const bed = createConsumerTestBed();
const { run, recordNote, note, tallyOf, receivedIds, waitSettled } = bed;

/** The next version of the code knows version 2 of the note, which adds a unit. */
const noteRecordedV2 = defineEvent(
  "test.note-recorded",
  z.object({ key: z.string().min(1), amount: z.number().int(), unit: z.string() }),
  { version: 2 },
);
const upgradedRegistry = createContractRegistry([noteRecorded, noteRecordedV2]);

async function deadLetterCount(consumer: string) {
  const subject = deadLetterSubject(TEST_STREAM.name, consumer);
  const info = await bed.nats.jsm.streams.info(DEAD_LETTER_STREAM.name, {
    subjects_filter: subject,
  });
  return info.state.subjects?.[subject] ?? 0;
}

describe("unknown event versions", () => {
  test("an event at a version this code does not know waits, holding back its subject only, and readiness says why; the upgraded code handles it", async () => {
    const spec = testConsumer("versions", "test.versions.>", {
      retry: { initialDelayMs: 100, maxDelayMs: 400 },
    });
    const old = await run(spec, [recordNote("versions")]);
    const newer = { ...note("v2", 3), version: 2, data: { key: "v2", amount: 3, unit: "kg" } };
    const { payload, headers } = encodeEvent(newer);
    await bed.nats.js.publish("test.versions.a", payload, { headers, msgID: newer.id });
    const later = note("a-later", 1);
    await bed.publisher.publish("test.versions.a", later);
    const other = note("b", 1);
    const otherAck = await bed.publisher.publish("test.versions.b", other);

    await waitUntil(async () => (await tallyOf(old.store, "b")) !== undefined, {
      message: "another subject to be handled meanwhile",
    });
    await waitUntil(() => !old.consumer.health().ok, { message: "the consumer to report why" });
    const readiness = consumersReadiness([old.consumer]);
    expect(readiness).toMatchObject({ ready: false });
    expect(typeof readiness === "object" && readiness.reason).toContain(
      "versions: waiting for code that can read it: test.note-recorded v2",
    );
    await waitUntil(
      async () =>
        (await counterValue(old.metrics.deferred, { code: "event.unknown-version" })) >= 3,
      { message: "the unknown version to be retried, not given up" },
    );
    expect(await counterValue(old.metrics.deferred, { code: "subject.waiting" })).toBeGreaterThan(
      0,
    );
    expect(await tallyOf(old.store, "a-later")).toBeUndefined();
    expect(await receivedIds(old.store)).toHaveLength(1);
    expect(await deadLetterCount("versions")).toBe(0);
    expect(await counterValue(old.metrics.deadLettered, {})).toBe(0);

    // The rolling upgrade: the old instance stops, one that knows version 2 takes over.
    await old.close();
    const upgraded = await run(spec, [recordNote("versions")], { registry: upgradedRegistry });
    await waitSettled(spec, otherAck.sequence);
    expect(await tallyOf(upgraded.store, "v2")).toEqual({ key: "v2", total: 3, applied: 1 });
    expect(await tallyOf(upgraded.store, "a-later")).toEqual({
      key: "a-later",
      total: 1,
      applied: 1,
    });
    expect(new Set(await receivedIds(upgraded.store))).toEqual(
      new Set([other.id, newer.id, later.id]),
    );
    expect(await deadLetterCount("versions")).toBe(0);
    expect(upgraded.consumer.health()).toEqual({ ok: true, problems: [] });
  });
});

describe("an aggregate whose history holds an event this code cannot read", () => {
  test("makes its handler wait (never a dead letter), and readiness says why", async () => {
    const spec = testConsumer("unreadable-history", "test.unreadable-history.>", {
      retry: { initialDelayMs: 100, maxDelayMs: 400, horizonMs: 1_000 },
    });
    let attempts = 0;
    const waiting = on(noteRecorded, () => {
      attempts += 1;
      throw unavailable(
        "aggregate.unknown-event",
        "orders.o1 holds an event this version cannot read",
      );
    });
    const { consumer } = await run(spec, [waiting]);
    await bed.publisher.publish("test.unreadable-history.a", note("u", 1));
    // Past its retry horizon it is still waiting, not dead-lettered.
    await waitUntil(async () => attempts >= 5, { timeoutMs: 15_000, message: "several attempts" });
    expect(consumersReadiness([consumer])).toMatchObject({ ready: false });
    expect(JSON.stringify(consumersReadiness([consumer]))).toContain(
      "waiting for code that can read the aggregate's history",
    );
    expect(await deadLetterCount("unreadable-history")).toBe(0);
  });
});
