import { describe, expect, test } from "bun:test";
import { waitUntil } from "@shop/shared/testing";
import { counterDecider, createAggregateTestBed } from "../fixtures/aggregate-test-bed.ts";
import { TEST_STREAM } from "../fixtures/test-events.ts";
import { ensureStream } from "../nats/topology.ts";
import { SNAPSHOT_STREAM } from "./snapshots.ts";

const bed = createAggregateTestBed();
const { storeOnOwnConnection } = bed;

describe("snapshots", () => {
  test("a cold load reads the latest snapshot and the tail after it, not the whole history", async () => {
    const { nats } = bed;
    await ensureStream(nats.jsm, SNAPSHOT_STREAM);
    const subject = "test.counters.snapshotted";
    const snapshots = { every: 50, schema: 1 };
    const writer = await storeOnOwnConnection(counterDecider().decider, "snap-writer", {
      snapshots,
    });
    for (let i = 0; i < 230; i++) await writer.handle(subject, { type: "Increment" });
    const latest = (n: number) =>
      nats.jsm.streams
        .info(SNAPSHOT_STREAM.name, { subjects_filter: `snapshots.${TEST_STREAM.name}.${subject}` })
        .then((info) => info.state.messages >= n);
    await waitUntil(() => latest(1), { message: "a snapshot to be stored" });

    const cold = counterDecider();
    const reader = await storeOnOwnConnection(cold.decider, "snap-reader", { snapshots });
    const loaded = await reader.load(subject);
    expect(loaded.state).toBe(230);
    // Snapshot at 200 events: only the 30 after it are folded.
    expect(cold.folded.calls).toBe(30);

    // Another schema ignores the snapshot and folds everything.
    const other = counterDecider();
    const rebuilt = await storeOnOwnConnection(other.decider, "snap-other", {
      snapshots: { every: 50, schema: 2 },
    });
    expect((await rebuilt.load(subject)).state).toBe(230);
    expect(other.folded.calls).toBe(230);
  });
});
