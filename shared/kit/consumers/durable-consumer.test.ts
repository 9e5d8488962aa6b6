import { describe, expect, test } from "bun:test";
import { headers } from "@nats-io/nats-core";
import { encodeEvent } from "../events/codec.ts";
import { on } from "../events/on-event.ts";
import { createConsumerTestBed, type Handler } from "../fixtures/consumer-test-bed.ts";
import { counterValue } from "../fixtures/metric-value.ts";
import { type FixtureSchema, tallies } from "../fixtures/schema.ts";
import { noteRecorded, testConsumer } from "../fixtures/test-events.ts";
import type { Store } from "../store/store.ts";

const bed = createConsumerTestBed();
const { run, recordNote, note, tallyOf, receivedIds, waitSettled } = bed;

describe("idempotency", () => {
  test("an already-processed event stored again under another msg id changes nothing", async () => {
    const spec = testConsumer("once", "test.once.>");
    const { store, metrics } = await run(spec, [recordNote("once")]);
    const event = note("dup", 5);

    const first = await bed.publisher.publish("test.once.dup", event);
    const brokerDuplicate = await bed.publisher.publish("test.once.dup", event);
    expect(brokerDuplicate).toMatchObject({ duplicate: true, sequence: first.sequence });
    // Past the broker's dedupe (another Nats-Msg-Id): the same envelope stored a second time.
    const { payload, headers } = encodeEvent(event);
    const second = await bed.nats.js.publish("test.once.dup", payload, {
      headers,
      msgID: "another-id",
    });
    expect(second.seq).toBeGreaterThan(first.sequence);

    await waitSettled(spec, second.seq);
    expect(await tallyOf(store, "dup")).toEqual({ key: "dup", total: 5, applied: 1 });
    expect(await receivedIds(store)).toEqual([event.id]);
    expect(await counterValue(metrics.handled, { consumer: "once" })).toBe(2);
    expect(await counterValue(metrics.deadLettered, { consumer: "once" })).toBe(0);
  });

  test("the same CloudEvents id republished without Nats-Msg-Id, in either mode, is handled once", async () => {
    const spec = testConsumer("same-id", "test.same-id.>");
    const { store, metrics } = await run(spec, [recordNote("same-id")]);
    const event = note("same", 4);
    await bed.publisher.publish("test.same-id.a", event);
    // Structured mode with no headers at all, as a hand-written producer would.
    await bed.nats.js.publish("test.same-id.a", encodeEvent(event).payload);
    // Binary mode: attributes as ce-* headers, the data alone as the payload.
    const binary = headers();
    binary.set("ce-specversion", "1.0");
    binary.set("ce-id", event.id);
    binary.set("ce-type", event.type);
    binary.set("ce-source", "/elsewhere");
    binary.set("content-type", "application/json");
    const last = await bed.nats.js.publish("test.same-id.a", JSON.stringify(event.data), {
      headers: binary,
    });

    await waitSettled(spec, last.seq);
    expect(await receivedIds(store)).toEqual([event.id]);
    expect(await tallyOf(store, "same")).toEqual({ key: "same", total: 4, applied: 1 });
    expect(await counterValue(metrics.handled, { consumer: "same-id" })).toBe(3);
  });

  test("a message whose ce-type the consumer does not handle is skipped without being decoded", async () => {
    const spec = testConsumer("by-header", "test.by-header.>");
    const { metrics } = await run(spec, []);
    const typed = headers();
    typed.set("ce-type", noteRecorded.type);
    // Not even JSON: decoding it would dead-letter it.
    const ack = await bed.nats.js.publish("test.by-header.a", "{ not decoded", { headers: typed });
    await waitSettled(spec, ack.seq);
    expect(await counterValue(metrics.deadLettered, {})).toBe(0);
    expect(await counterValue(metrics.handled, {})).toBe(0);
  });

  test("events of a type the consumer has no handler for are acknowledged and skipped", async () => {
    const spec = testConsumer("no-handlers", "test.unhandled.>");
    const { store, metrics } = await run(spec, []);
    const ack = await bed.publisher.publish("test.unhandled.a", note("a", 1));
    await waitSettled(spec, ack.sequence);
    expect(await store.read.select().from(tallies)).toEqual([]);
    expect(await counterValue(metrics.deadLettered, {})).toBe(0);
  });
});

describe("handlers whose effects are events", () => {
  test("run outside the writer's transaction, and an event handled once is not handled again", async () => {
    const spec = testConsumer("events-effects", "test.events.>");
    const calls: string[] = [];
    let store: Store<FixtureSchema> | undefined;
    const handler = on(noteRecorded, async (event) => {
      calls.push(event.id);
      // Holding the service's single writer here would make this write wait for itself forever.
      await store?.write((tx) =>
        tx.insert(tallies).values({ key: event.data.key, total: event.data.amount, applied: 1 }),
      );
    });
    const running = await run(spec, [handler as unknown as Handler], { effects: "events" });
    store = running.store;
    const event = note("ev", 3);
    await bed.publisher.publish("test.events.ev", event);
    const { payload, headers } = encodeEvent(event);
    const again = await bed.nats.js.publish("test.events.ev", payload, { headers, msgID: "again" });

    await waitSettled(spec, again.seq);
    expect(calls).toEqual([event.id]);
    expect(await tallyOf(running.store, "ev")).toEqual({ key: "ev", total: 3, applied: 1 });
    expect(await counterValue(running.metrics.handled, { consumer: "events-effects" })).toBe(2);
  });
});
