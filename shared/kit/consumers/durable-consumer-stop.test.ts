import { describe, expect, test } from "bun:test";
import { waitUntil } from "@shop/shared/testing";
import { createConsumerTestBed } from "../fixtures/consumer-test-bed.ts";
import { testConsumer } from "../fixtures/test-events.ts";

const bed = createConsumerTestBed();
const { run, recordNote, note, tallyOf, receivedIds, waitSettled } = bed;

describe("stopping", () => {
  test("stop finishes the message in hand and hands the buffered ones back at once", async () => {
    // An ack wait far beyond the test's patience: a message stranded until it expires fails the test.
    const spec = testConsumer("stopping", "test.stopping.>", { ackWaitMs: 60_000 });
    let inHand = 0;
    const slow = recordNote("stopping", async () => {
      inHand += 1;
      await Bun.sleep(100);
    });
    const first = await run(spec, [slow], { ownConnection: true });
    const events = Array.from({ length: 30 }, (_, i) => note("s", i + 1));
    let lastSequence = 0;
    for (const event of events) {
      lastSequence = (await bed.publisher.publish("test.stopping.a", event)).sequence;
    }
    await waitUntil(() => inHand >= 3, { message: "a few messages to be handled" });
    await first.close();
    const handledBeforeStop = inHand;

    const restartedAt = performance.now();
    const second = await run(spec, [slow]);
    expect((await receivedIds(second.store)).length).toBe(handledBeforeStop);
    await waitSettled(spec, lastSequence);
    expect(performance.now() - restartedAt).toBeLessThan(10_000);
    expect(new Set(await receivedIds(second.store))).toEqual(new Set(events.map((e) => e.id)));
    expect(await receivedIds(second.store)).toHaveLength(30);
    expect(await tallyOf(second.store, "s")).toEqual({ key: "s", total: 465, applied: 30 });
  });
});
