import { describe, expect, test } from "bun:test";
import { waitUntil } from "@shop/shared/testing";
import { on } from "../events/on-event.ts";
import { createConsumerTestBed, type Handler } from "../fixtures/consumer-test-bed.ts";
import { noteRecorded, testConsumer } from "../fixtures/test-events.ts";
import { markProcessed, wasProcessed } from "../store/processed-events.ts";
import type { SqliteDb } from "../store/store.ts";
import type { MessageContext } from "./durable-consumer.ts";

const bed = createConsumerTestBed();
const { run, recordNote, note, receivedIds, waitSettled } = bed;
type KitDb = SqliteDb<Record<string, unknown>>;
const DAY_MS = 24 * 60 * 60_000;

describe("processed-event records", () => {
  test("records past the dedupe horizon are pruned at start; an event inside it is still handled once", async () => {
    const spec = testConsumer("pruned", "test.pruned.>");
    const old = note("old", 1);
    const recent = note("recent", 1);
    let seeded: Promise<void> | undefined;
    const { store } = await run(spec, [recordNote("pruned")], {
      consumer: { dedupeHorizonMs: 7 * DAY_MS },
      // Seeded before the consumer starts: its start-up prune queues behind this write.
      wrapStore: (inner) => {
        seeded = inner.write(async (tx) => {
          const kit = tx as unknown as KitDb;
          await markProcessed(kit, "pruned", old.id, new Date(Date.now() - 8 * DAY_MS));
          await markProcessed(kit, "pruned", recent.id, new Date(Date.now() - 6 * DAY_MS));
        });
        return inner;
      },
    });
    await seeded;
    const read = store.read as unknown as KitDb;
    await waitUntil(async () => !(await wasProcessed(read, "pruned", old.id)), {
      message: "the record past the horizon to be pruned",
    });
    expect(await wasProcessed(read, "pruned", recent.id)).toBe(true);

    await bed.publisher.publish("test.pruned.a", recent);
    const last = await bed.publisher.publish("test.pruned.b", note("new", 1));
    await waitSettled(spec, last.sequence);
    expect(await receivedIds(store)).toHaveLength(1);
    expect(await receivedIds(store)).not.toContain(recent.id);
  });
});

describe("ack wait", () => {
  test("working() is sent only for a handler slower than half the ack wait, which keeps it from being redelivered", async () => {
    const spec = testConsumer("working", "test.working.>", { ackWaitMs: 1_000 });
    const progress: string[] = [];
    const subscription = bed.nats.nc.subscribe(`$JS.ACK.${spec.stream}.${spec.durable}.>`, {
      callback: (_, msg) => {
        progress.push(msg.string());
      },
    });
    const deliveries: number[] = [];
    const handler = on(noteRecorded, async (event, { deliveries: n }: MessageContext) => {
      if (event.data.key !== "slow") return;
      deliveries.push(n);
      await Bun.sleep(2_200);
    });
    try {
      await run(spec, [handler as unknown as Handler], { effects: "events" });
      const fast = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          bed.publisher.publish(`test.working.f${i}`, note("f", 1)),
        ),
      );
      await waitSettled(spec, Math.max(...fast.map((a) => a.sequence)));
      await bed.nats.nc.flush();
      expect(progress.filter((p) => p === "+WPI")).toHaveLength(0);

      const slow = await bed.publisher.publish("test.working.slow", note("slow", 1));
      await waitSettled(spec, slow.sequence);
      await bed.nats.nc.flush();
      expect(deliveries).toEqual([1]);
      expect(progress.filter((p) => p === "+WPI").length).toBeGreaterThanOrEqual(2);
      const info = await bed.nats.jsm.consumers.info(spec.stream, spec.durable);
      expect(info.num_redelivered).toBe(0);
    } finally {
      subscription.unsubscribe();
    }
  });
});
