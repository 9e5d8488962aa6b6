import { describe, expect, test } from "bun:test";
import { AppError, isConflict } from "../errors/app-error.ts";
import { encodeEvent } from "../events/codec.ts";
import { aggregateEvents, eventSubject } from "../events/event-subject.ts";
import { createEventPublisher } from "../events/publisher.ts";
import {
  type ClaimState,
  claimDecider,
  counterDecider,
  createAggregateTestBed,
} from "../fixtures/aggregate-test-bed.ts";
import { noteRecorded } from "../fixtures/test-events.ts";

const bed = createAggregateTestBed();
const { storeOnOwnConnection, storedOn } = bed;

describe("optimistic concurrency across instances", () => {
  test("of two racing claims from separate stores exactly one is stored", async () => {
    const subject = "test.claims.race";
    const [alice, bob] = await Promise.all([
      storeOnOwnConnection(claimDecider, "claims-a"),
      storeOnOwnConnection(claimDecider, "claims-b"),
    ]);

    const results = await Promise.allSettled([
      alice.handle(subject, { type: "Claim", by: "alice" }),
      bob.handle(subject, { type: "Claim", by: "bob" }),
    ]);

    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const refusal: unknown = lost[0]?.reason;
    expect(refusal).toBeInstanceOf(AppError);
    expect(isConflict(refusal)).toBe(true);
    expect((refusal as AppError).code).toBe("claim.already-claimed");

    const stored = await storedOn(subject);
    expect(stored).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<{ state: ClaimState }>).value.state.claimedBy;
    const storedEvent = JSON.parse(new TextDecoder().decode(stored[0]?.data)) as {
      data: { by: string };
    };
    expect(storedEvent.data.by).toBe(winner as string);
    // Both stores now agree on the winner.
    expect((await alice.load(subject)).state.claimedBy).toBe(winner);
    expect((await bob.load(subject)).state.claimedBy).toBe(winner);
  });

  test("twenty concurrent increments from two stores all land, in order, with state 20", async () => {
    const subject = "test.counters.shared";
    const a = counterDecider();
    const b = counterDecider();
    // Each conflict means the other store appended: with 10 commands each, 11 attempts always suffice.
    const [left, right] = await Promise.all([
      storeOnOwnConnection(a.decider, "counter-a", { maxAttempts: 11 }),
      storeOnOwnConnection(b.decider, "counter-b", { maxAttempts: 11 }),
    ]);

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? left : right).handle(subject, { type: "Increment" }),
      ),
    );

    const stored = await storedOn(subject);
    expect(stored).toHaveLength(20);
    // Every command saw the state its own append produced: 1..20, each exactly once.
    expect(results.map((r) => r.state).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const final = await left.load(subject);
    expect(final.state).toBe(20);
    expect(final.version).toBe(stored.at(-1)?.seq as number);
    expect((await right.load(subject)).state).toBe(20);
  });

  test("with the default attempts, two instances racing on one counter never give up", async () => {
    const [left, right] = await Promise.all([
      storeOnOwnConnection(counterDecider().decider, "default-a"),
      storeOnOwnConnection(counterDecider().decider, "default-b"),
    ]);
    const failures: string[] = [];
    for (let round = 0; round < 10; round++) {
      const subject = `test.counters.default-${round}`;
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? left : right).handle(subject, { type: "Increment" }),
        ),
      );
      for (const result of results) {
        if (result.status === "rejected") failures.push(`round ${round}: ${result.reason}`);
      }
      expect(await storedOn(subject)).toHaveLength(
        20 - results.filter((r) => r.status === "rejected").length,
      );
    }
    expect(failures).toEqual([]);
  });

  test("a stale writer's append is refused by the broker, not stored", async () => {
    const subject = "test.counters.stale";
    const counter = counterDecider();
    const store = await storeOnOwnConnection(counter.decider, "counter-stale");
    const { version } = await store.handle(subject, { type: "Increment" });
    const { nats } = bed;
    const publisher = createEventPublisher({ js: nats.js, source: "/stale" });
    const stale = publisher.envelope({ type: "test.incremented", data: { by: 1 } }, { subject });

    await expect(
      publisher.publish(eventSubject(subject, stale.type), stale, {
        expectLastSubjectSequence: version - 1,
        expectLastSubjectSequenceSubject: aggregateEvents(subject),
      }),
    ).rejects.toMatchObject({ kind: "conflict", code: "stream.wrong-last-sequence" });
    expect(await storedOn(subject)).toHaveLength(1);
  });
});

describe("loading", () => {
  test("a load folds only the events appended since the cached state", async () => {
    const subject = "test.counters.tail";
    const reader = counterDecider();
    const writer = counterDecider();
    const cached = await storeOnOwnConnection(reader.decider, "tail-reader");
    const other = await storeOnOwnConnection(writer.decider, "tail-writer");

    for (let i = 0; i < 5; i++) await other.handle(subject, { type: "Increment" });
    expect((await cached.load(subject)).state).toBe(5);
    expect(reader.folded.calls).toBe(5);

    await other.handle(subject, { type: "Increment" });
    await other.handle(subject, { type: "Increment" });
    const loaded = await cached.load(subject);
    expect(loaded.state).toBe(7);
    expect(reader.folded.calls).toBe(7);

    const again = await cached.load(subject);
    expect(again).toEqual(loaded);
    expect(reader.folded.calls).toBe(7);

    // A fresh store (no cache) folds the whole history to the same state.
    const fresh = counterDecider();
    const cold = await storeOnOwnConnection(fresh.decider, "tail-cold");
    expect(await cold.load(subject)).toEqual(loaded);
    expect(fresh.folded.calls).toBe(7);
  });

  test("peek answers from the cache without reading; an uncached aggregate is loaded", async () => {
    const subject = "test.counters.peek";
    const reader = await storeOnOwnConnection(counterDecider().decider, "peek-reader");
    const writer = await storeOnOwnConnection(counterDecider().decider, "peek-writer");
    await writer.handle(subject, { type: "Increment" });
    expect(await reader.peek(subject)).toMatchObject({ state: 1 });

    await writer.handle(subject, { type: "Increment" });
    // Cached, so not read: the second increment is not in it. A guarded append would be refused.
    expect(await reader.peek(subject)).toMatchObject({ state: 1 });
    expect(await reader.load(subject)).toMatchObject({ state: 2 });
    expect(await reader.peek(subject)).toMatchObject({ state: 2 });
  });

  test("an aggregate with no events loads as the initial state at version 0", async () => {
    const store = await storeOnOwnConnection(claimDecider, "empty-loader");
    expect(await store.load("test.claims.nobody")).toEqual({
      state: { claimedBy: null },
      version: 0,
    });
  });

  test("events of other types, unreadable messages and events on another type's subject are skipped", async () => {
    const subject = "test.counters.mixed";
    const counter = counterDecider();
    const store = await storeOnOwnConnection(counter.decider, "mixed");
    await store.handle(subject, { type: "Increment" });
    const { nats } = bed;
    const publisher = createEventPublisher({ js: nats.js, source: "/mixed" });
    await publisher.publish(
      eventSubject(subject, noteRecorded.type),
      publisher.envelope({ type: noteRecorded.type, data: { key: "k", amount: 1 } }, {}),
    );
    const garbage = await nats.js.publish(`${subject}.garbage`, "not an event");
    // Stored where another type belongs: not applied, whatever its ce-type says.
    await nats.js.publish(
      eventSubject(subject, noteRecorded.type),
      encodeEvent(publisher.envelope({ type: "test.incremented", data: { by: 5 } }, {})).payload,
    );
    await nats.js.publish(
      eventSubject(subject, "test.incremented"),
      encodeEvent(publisher.envelope({ type: "test.incremented", data: { by: 1 } }, {})).payload,
    );

    const cold = counterDecider();
    const reloaded = await storeOnOwnConnection(cold.decider, "mixed-cold");
    const loaded = await reloaded.load(subject);
    expect(loaded.state).toBe(2);
    expect(loaded.version).toBeGreaterThan(garbage.seq);
    expect(cold.folded.calls).toBe(2);
  });

  test("a refused command appends nothing and leaves the state as it was", async () => {
    const subject = "test.claims.refused";
    const store = await storeOnOwnConnection(claimDecider, "refuser");
    await store.handle(subject, { type: "Claim", by: "first" });
    await expect(store.handle(subject, { type: "Claim", by: "second" })).rejects.toMatchObject({
      code: "claim.already-claimed",
    });
    expect(await storedOn(subject)).toHaveLength(1);
    expect((await store.load(subject)).state.claimedBy).toBe("first");
  });
});
