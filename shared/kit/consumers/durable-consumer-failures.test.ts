import { describe, expect, test } from "bun:test";
import { conflict, notFound, unavailable, validationError } from "../errors/app-error.ts";
import { encodeEvent } from "../events/codec.ts";
import { createConsumerTestBed } from "../fixtures/consumer-test-bed.ts";
import { counterValue } from "../fixtures/metric-value.ts";
import { readDeadLetters, testConsumer } from "../fixtures/test-events.ts";
import { DEAD_LETTER_STREAM, deadLetterSubject } from "./dead-letter.ts";

const bed = createConsumerTestBed();
const { run, recordNote, note, tallyOf, receivedIds, waitSettled } = bed;
const encoder = new TextEncoder();

describe("poison messages", () => {
  test("undecodable messages are dead-lettered with their reason and the consumer carries on", async () => {
    const spec = testConsumer("poison", "test.poison.>");
    const { store, metrics } = await run(spec, [recordNote("poison")]);

    const garbage = new Uint8Array([0xff, 0xfe, 0x00, ...encoder.encode("not an event")]);
    const garbageAck = await bed.nats.js.publish("test.poison.garbage", garbage);
    const invalid = encodeEvent({ ...note("bad", 1), data: { key: "bad", amount: "lots" } });
    const invalidAck = await bed.nats.js.publish("test.poison.invalid", invalid.payload, {
      headers: invalid.headers,
    });
    const unknown = encodeEvent({ ...note("x", 1), type: "test.never-heard-of" });
    const unknownAck = await bed.nats.js.publish("test.poison.unknown", unknown.payload);
    const good = note("good", 7);
    const goodAck = await bed.publisher.publish("test.poison.good", good);

    await waitSettled(spec, goodAck.sequence);
    expect(await tallyOf(store, "good")).toEqual({ key: "good", total: 7, applied: 1 });
    expect(await receivedIds(store)).toEqual([good.id]);

    const letters = await readDeadLetters(bed.nats, "poison", 3);
    expect(letters).toHaveLength(3);
    const [garbageLetter, invalidLetter, unknownLetter] = letters;
    expect(garbageLetter).toMatchObject({
      code: "event.malformed",
      consumer: "poison",
      stream: "TEST",
      subject: "test.poison.garbage",
      streamSequence: garbageAck.seq,
      deliveries: 1,
      payload: new TextDecoder().decode(garbage),
    });
    expect(garbageLetter?.reason).toContain("not valid JSON");
    expect(invalidLetter).toMatchObject({
      code: "event.invalid-data",
      subject: "test.poison.invalid",
      streamSequence: invalidAck.seq,
      payload: new TextDecoder().decode(invalid.payload),
    });
    expect(invalidLetter?.reason).toContain("data.amount");
    expect(invalidLetter?.headers["ce-id"]).toEqual([invalid.headers.get("ce-id")]);
    expect(unknownLetter).toMatchObject({
      code: "event.unknown-type",
      subject: "test.poison.unknown",
      streamSequence: unknownAck.seq,
    });
    expect(unknownLetter?.reason).toContain("test.never-heard-of");

    const info = await bed.nats.jsm.consumers.info(spec.stream, spec.durable);
    expect(info.num_redelivered).toBe(0);
    expect(await counterValue(metrics.deadLettered, { consumer: "poison" })).toBe(3);
    expect(await counterValue(metrics.deadLettered, { code: "event.malformed" })).toBe(1);
    expect(await counterValue(metrics.deadLettered, { code: "event.invalid-data" })).toBe(1);
    expect(await counterValue(metrics.deadLettered, { code: "event.unknown-type" })).toBe(1);
    expect(await counterValue(metrics.handled, { consumer: "poison" })).toBe(1);
  });

  test("dead letters are stored on deadletter.<stream>.<consumer> in the DEADLETTER stream", async () => {
    const spec = testConsumer("poison-subject", "test.poison-subject.>");
    await run(spec, [recordNote("poison-subject")]);
    const ack = await bed.nats.js.publish("test.poison-subject.x", "{");
    await waitSettled(spec, ack.seq);
    const stored = await bed.nats.jsm.streams.getMessage(DEAD_LETTER_STREAM.name, {
      last_by_subj: deadLetterSubject("TEST", "poison-subject"),
    });
    expect(stored?.json<{ streamSequence: number }>().streamSequence).toBe(ack.seq);
  });
});

describe("failing handlers", () => {
  test("a transient failure is retried after the configured delays, then applied once", async () => {
    const spec = testConsumer("transient", "test.transient.>", {
      retry: { initialDelayMs: 300, multiplier: 2, jitter: 0 },
    });
    const attempts: { at: number; deliveries: number }[] = [];
    const { store, metrics } = await run(spec, [
      recordNote("transient", ({ deliveries }) => {
        attempts.push({ at: performance.now(), deliveries });
        if (deliveries < 3) throw new Error(`flaky dependency (delivery ${deliveries})`);
      }),
    ]);
    const event = note("flaky", 4);
    const ack = await bed.publisher.publish("test.transient.a", event);

    await waitSettled(spec, ack.sequence);
    expect(attempts.map((a) => a.deliveries)).toEqual([1, 2, 3]);
    const [first, second, third] = attempts.map((a) => a.at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(300);
    expect(third - second).toBeGreaterThanOrEqual(600);
    // The failed attempts' writes were rolled back: one row, one application.
    expect(await receivedIds(store)).toEqual([event.id]);
    expect(await tallyOf(store, "flaky")).toEqual({ key: "flaky", total: 4, applied: 1 });
    expect(
      await counterValue(metrics.failed, { consumer: "transient", code: "handler.failed" }),
    ).toBe(2);
    expect(await counterValue(metrics.handled, { consumer: "transient" })).toBe(1);
    expect(await counterValue(metrics.deadLettered, { consumer: "transient" })).toBe(0);
  });

  test("an unavailable AppError counts as transient and is retried", async () => {
    const spec = testConsumer("unavailable", "test.unavailable.>", {
      retry: { initialDelayMs: 50 },
    });
    let calls = 0;
    const { store, metrics } = await run(spec, [
      recordNote("unavailable", () => {
        calls += 1;
        if (calls === 1) throw unavailable("payments.down", "payment provider unreachable");
      }),
    ]);
    const ack = await bed.publisher.publish("test.unavailable.a", note("u", 1));
    await waitSettled(spec, ack.sequence);
    expect(calls).toBe(2);
    expect(await tallyOf(store, "u")).toMatchObject({ total: 1, applied: 1 });
    expect(await counterValue(metrics.failed, { code: "payments.down" })).toBe(1);
    expect(await counterValue(metrics.deadLettered, {})).toBe(0);
  });

  test("a handler that always fails is retried with backoff until the horizon, then dead-lettered", async () => {
    const horizonMs = 700;
    const spec = testConsumer("doomed", "test.doomed.>", {
      retry: { initialDelayMs: 50, multiplier: 2, maxDelayMs: 400, jitter: 0.2, horizonMs },
    });
    const attempts: number[] = [];
    const { store, metrics } = await run(spec, [
      recordNote("doomed", ({ position }) => {
        if (position.subject !== "test.doomed.a") return;
        attempts.push(performance.now());
        throw new Error("database on fire");
      }),
    ]);
    const doomed = await bed.publisher.publish("test.doomed.a", note("doomed", 1));
    const survivor = note("survivor", 1);
    const survivorAck = await bed.publisher.publish("test.doomed.b", survivor);

    const [letter] = await readDeadLetters(bed.nats, "doomed", 1);
    expect(letter).toMatchObject({
      code: "handler.failed",
      subject: "test.doomed.a",
      streamSequence: doomed.sequence,
      deliveries: attempts.length,
    });
    expect(letter?.reason).toMatch(new RegExp(`after ${attempts.length} deliveries over`));
    expect(letter?.reason).toContain("database on fire");
    // Retried for the whole horizon, with delays that grow: backoff, not a fixed pace.
    const first = attempts[0] as number;
    expect((attempts.at(-1) as number) - first).toBeGreaterThanOrEqual(horizonMs);
    const gaps = attempts.slice(1).map((at, i) => at - (attempts[i] as number));
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    expect(gaps.at(-1) as number).toBeGreaterThan((gaps[0] as number) * 2);
    expect(attempts.length).toBeLessThan(10);

    await waitSettled(spec, survivorAck.sequence);
    expect(await receivedIds(store)).toEqual([survivor.id]);
    expect(await tallyOf(store, "doomed")).toBeUndefined();
    expect(await counterValue(metrics.failed, { consumer: "doomed", code: "handler.failed" })).toBe(
      attempts.length,
    );
    expect(
      await counterValue(metrics.deadLettered, { consumer: "doomed", code: "handler.failed" }),
    ).toBe(1);
    expect(await counterValue(metrics.handled, { consumer: "doomed" })).toBe(1);
  });

  test.each([
    ["validation", validationError("note.refused", "amount over the limit")],
    ["conflict", conflict("note.already-closed", "the note is closed")],
    ["not-found", notFound("note.unknown-key", "no such key")],
  ])("a permanent %s AppError is dead-lettered on the first delivery", async (kind, error) => {
    const durable = `permanent-${kind}`;
    const spec = testConsumer(durable, `test.${durable}.>`);
    let calls = 0;
    const { store, metrics } = await run(spec, [
      recordNote(durable, () => {
        calls += 1;
        throw error;
      }),
    ]);
    const ack = await bed.publisher.publish(`test.${durable}.a`, note("refused", 1));

    const [letter] = await readDeadLetters(bed.nats, durable, 1);
    expect(letter).toMatchObject({
      code: error.code,
      reason: error.message,
      deliveries: 1,
      streamSequence: ack.sequence,
    });
    await waitSettled(spec, ack.sequence);
    expect(calls).toBe(1);
    expect(await receivedIds(store)).toEqual([]);
    expect(await counterValue(metrics.deadLettered, { consumer: durable, code: error.code })).toBe(
      1,
    );
    expect(await counterValue(metrics.failed, { consumer: durable, code: error.code })).toBe(1);
    expect(await counterValue(metrics.handled, { consumer: durable })).toBe(0);
  });
});
