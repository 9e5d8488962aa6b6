import { describe, expect, test } from "bun:test";
import { eventFilters, eventSubject } from "../events/event-subject.ts";
import { on } from "../events/on-event.ts";
import { createConsumerTestBed, type Handler } from "../fixtures/consumer-test-bed.ts";
import { counterValue } from "../fixtures/metric-value.ts";
import type { FixtureSchema } from "../fixtures/schema.ts";
import { noteCorrected, noteRecorded, testConsumer } from "../fixtures/test-events.ts";
import type { Store } from "../store/store.ts";
import type { MessageContext } from "./durable-consumer.ts";

const bed = createConsumerTestBed();
const { run, recordNote, note, tallyOf, receivedIds, waitSettled } = bed;

/** A store whose writes can be counted, and made to fail at commit once the work has run. */
function instrumented() {
  const state = { transactions: 0, failNextCommit: false };
  const wrap = (inner: Store<FixtureSchema>): Store<FixtureSchema> => ({
    ...inner,
    read: inner.read,
    write: (work) =>
      inner.write(async (tx) => {
        state.transactions += 1;
        const result = await work(tx);
        if (state.failNextCommit) {
          state.failNextCommit = false;
          // Thrown after the handler ran: the transaction rolls back as a failed COMMIT would.
          throw new Error("disk I/O error during COMMIT");
        }
        return result;
      }),
  });
  return { state, wrap };
}

describe("concurrency", () => {
  test("different subjects are handled concurrently, each subject's events strictly in order, within the in-flight bound", async () => {
    const spec = testConsumer("lanes", "test.lanes.>");
    const seen = new Map<string, number[]>();
    let running = 0;
    let mostAtOnce = 0;
    const handler = on(noteRecorded, async (event, { position }: MessageContext) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await Bun.sleep(Math.random() * 8);
      seen.set(position.subject, [...(seen.get(position.subject) ?? []), event.data.amount]);
      running -= 1;
    });
    await run(spec, [handler as unknown as Handler], {
      effects: "events",
      consumer: { maxInFlight: 6 },
    });
    const subjects = Array.from({ length: 8 }, (_, i) => `test.lanes.s${i}`);
    const publishes = [];
    for (let n = 1; n <= 15; n += 1)
      for (const subject of subjects) publishes.push(bed.publisher.publish(subject, note("l", n)));
    const acks = await Promise.all(publishes);

    await waitSettled(spec, Math.max(...acks.map((a) => a.sequence)));
    for (const subject of subjects)
      expect(seen.get(subject)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(6);
  });

  test("one aggregate's events of several types (one subject each) are handled in stream order, asked for by type", async () => {
    const types = [noteRecorded.type, noteCorrected.type];
    const spec = testConsumer("typed-lanes", "test.typed.>", {
      filterSubjects: eventFilters("test.typed", types),
    });
    const seen = new Map<string, number[]>();
    const record = async (amount: number, { position }: MessageContext) => {
      await Bun.sleep(Math.random() * 6);
      const aggregate = position.subject.split(".")[2] as string;
      seen.set(aggregate, [...(seen.get(aggregate) ?? []), amount]);
    };
    await run(
      spec,
      [
        on(noteRecorded, (event, context: MessageContext) => record(event.data.amount, context)),
        on(noteCorrected, (event, context: MessageContext) => record(event.data.amount, context)),
      ] as unknown as Handler[],
      { effects: "events", consumer: { maxInFlight: 8 } },
    );
    const aggregates = Array.from({ length: 6 }, (_, i) => `a${i}`);
    // Another type on the same aggregate, stored among them: not asked for, so never sent.
    const other = bed.publisher.envelope({ type: "test.other", data: {} }, {});
    await bed.publisher.publish(eventSubject("test.typed.a0", "test.other"), other);
    const publishes = [];
    for (let n = 1; n <= 12; n += 1)
      for (const aggregate of aggregates) {
        const type = types[n % 2] as string;
        const envelope = bed.publisher.envelope({ type, data: { key: aggregate, amount: n } }, {});
        publishes.push(
          bed.publisher.publish(eventSubject(`test.typed.${aggregate}`, type), envelope),
        );
      }
    const acks = await Promise.all(publishes);

    await waitSettled(spec, Math.max(...acks.map((a) => a.sequence)));
    for (const aggregate of aggregates)
      expect(seen.get(aggregate)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const info = await bed.nats.jsm.consumers.info(spec.stream, spec.durable);
    expect(info.delivered.consumer_seq).toBe(aggregates.length * 12);
  });

  test("a handler for a type the consumer's filters never deliver is refused at start", async () => {
    const spec = testConsumer("deaf", "test.deaf.>", {
      filterSubjects: eventFilters("test.deaf", [noteCorrected.type]),
    });
    await expect(run(spec, [recordNote("deaf")])).rejects.toThrow(
      /handlers for test.note-recorded, which its filter \(test.deaf.\*.test.note-corrected\) never delivers/,
    );
  });

  test("a message being retried holds back the later messages of its subject only", async () => {
    const spec = testConsumer("held-back", "test.held.>", { retry: { initialDelayMs: 300 } });
    const order: string[] = [];
    let failuresLeft = 2;
    const { store } = await run(spec, [
      recordNote("held-back", ({ position }) => {
        if (position.subject === "test.held.a" && failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error("dependency down");
        }
        order.push(`${position.subject}#${position.sequence}`);
      }),
    ]);
    const a1 = await bed.publisher.publish("test.held.a", note("a", 1));
    const a2 = await bed.publisher.publish("test.held.a", note("a", 2));
    const b1 = await bed.publisher.publish("test.held.b", note("b", 1));
    const a3 = await bed.publisher.publish("test.held.a", note("a", 3));

    await waitSettled(spec, a3.sequence);
    const subjectA = order.filter((o) => o.startsWith("test.held.a"));
    expect(subjectA).toEqual([a1, a2, a3].map((a) => `test.held.a#${a.sequence}`));
    // b was not held back by a's retries.
    expect(order.indexOf(`test.held.b#${b1.sequence}`)).toBe(0);
    expect(await tallyOf(store, "a")).toEqual({ key: "a", total: 6, applied: 3 });
  });
});

describe("group commit", () => {
  test("concurrent messages' effects and idempotency records share transactions", async () => {
    const spec = testConsumer("grouped", "test.grouped.>");
    const { state, wrap } = instrumented();
    const { store, metrics } = await run(spec, [recordNote("grouped")], { wrapStore: wrap });
    const acks = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        bed.publisher.publish(`test.grouped.s${i}`, note("g", 1)),
      ),
    );

    await waitSettled(spec, Math.max(...acks.map((a) => a.sequence)));
    expect(await tallyOf(store, "g")).toEqual({ key: "g", total: 40, applied: 40 });
    expect(await counterValue(metrics.handled, { consumer: "grouped" })).toBe(40);
    // One transaction for the start-up prune, then far fewer than one per message.
    expect(state.transactions).toBeLessThan(20);
  });

  test("a commit that fails after the handler ran is not acked: the message is redelivered and applied exactly once", async () => {
    const spec = testConsumer("commit-fails", "test.commit-fails.>", {
      retry: { initialDelayMs: 100 },
    });
    const { state, wrap } = instrumented();
    let calls = 0;
    const { store, metrics } = await run(
      spec,
      [
        recordNote("commit-fails", () => {
          calls += 1;
          if (calls === 1) state.failNextCommit = true;
        }),
      ],
      { wrapStore: wrap },
    );
    const event = note("c", 5);
    const ack = await bed.publisher.publish("test.commit-fails.a", event);

    await waitSettled(spec, ack.sequence);
    expect(calls).toBe(2);
    expect(await receivedIds(store)).toEqual([event.id]);
    expect(await tallyOf(store, "c")).toEqual({ key: "c", total: 5, applied: 1 });
    expect(
      await counterValue(metrics.failed, { consumer: "commit-fails", code: "store.commit-failed" }),
    ).toBe(1);
    expect(await counterValue(metrics.handled, { consumer: "commit-fails" })).toBe(1);
    const info = await bed.nats.jsm.consumers.info(spec.stream, spec.durable);
    expect(info.num_redelivered).toBe(0);
    expect(info.delivered.consumer_seq).toBe(2);
  });
});
