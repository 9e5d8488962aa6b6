import { describe, expect, test } from "bun:test";
import { type AppError, conflict } from "../errors/app-error.ts";
import { encodeEvent } from "../events/codec.ts";
import { eventSubject } from "../events/event-subject.ts";
import { createEventPublisher } from "../events/publisher.ts";
import {
  type ClaimState,
  claimDecider,
  counterDecider,
  createAggregateTestBed,
  logger,
  registry,
} from "../fixtures/aggregate-test-bed.ts";
import { TEST_STREAM } from "../fixtures/test-events.ts";
import { createAggregateStore } from "./aggregate-store.ts";

const bed = createAggregateTestBed();
const { connect, storeOnOwnConnection, storedOn } = bed;

describe("no broker state per request", () => {
  test("four hundred loads and commands create no consumer on the server", async () => {
    const { nats } = bed;
    const before = (await nats.jsm.streams.info(TEST_STREAM.name)).state.consumer_count;
    const counter = counterDecider();
    const store = await storeOnOwnConnection(counter.decider, "no-consumers");
    const cold = await storeOnOwnConnection(counterDecider().decider, "no-consumers-cold");
    for (let i = 0; i < 200; i++) {
      const subject = `test.counters.flat.${i % 20}`;
      await store.handle(subject, { type: "Increment" });
      await cold.load(subject);
    }
    expect((await cold.load("test.counters.flat.3")).state).toBe(10);
    expect((await nats.jsm.streams.info(TEST_STREAM.name)).state.consumer_count).toBe(before);
  });

  test("a warm aggregate decides on its cached state and re-reads only on a conflict", async () => {
    const subject = "test.counters.warm";
    const mine = counterDecider();
    const store = await storeOnOwnConnection(mine.decider, "warm-a");
    const other = await storeOnOwnConnection(counterDecider().decider, "warm-b");
    await store.handle(subject, { type: "Increment" });
    await other.handle(subject, { type: "Increment" });
    // `store` still holds version 1: the broker refuses its append, it reads the tail, decides again.
    const result = await store.handle(subject, { type: "Increment" });
    expect(result.state).toBe(3);
    expect(await storedOn(subject)).toHaveLength(3);
  });
});

describe("decisions with several events or aggregates", () => {
  type Move = { type: "Move"; from: string; to: string; by: string };
  /** Moves a claim between two subjects: both appends land, or neither. */
  const moveAcross =
    ({ from, to, by }: Move) =>
    (states: ReadonlyMap<string, ClaimState>) => {
      if (states.get(from)?.claimedBy !== null || states.get(to)?.claimedBy !== null)
        throw conflict("claim.already-claimed", "one side is taken");
      return [
        { subject: from, event: { type: "test.claimed", data: { by } } },
        { subject: to, event: { type: "test.claimed", data: { by } } },
      ];
    };

  test("a decision across two aggregates stores both events or neither", async () => {
    const store = await storeOnOwnConnection(claimDecider, "across");
    const [a, b, c] = ["test.claims.across.a", "test.claims.across.b", "test.claims.across.c"];
    const { states } = await store.handleAcross(
      [a, b],
      moveAcross({ type: "Move", from: a, to: b, by: "one" }),
    );
    expect(states.get(a)?.state.claimedBy).toBe("one");
    expect(states.get(b)?.version).toBe((states.get(a)?.version ?? 0) + 1);

    // c is free but b is taken: the decision refuses, nothing lands on c.
    await expect(
      store.handleAcross([b, c], moveAcross({ type: "Move", from: c, to: b, by: "two" })),
    ).rejects.toMatchObject({ code: "claim.already-claimed" });
    expect(await storedOn(c)).toHaveLength(0);
  });

  test("racing decisions from two processes over overlapping aggregates: the broker lets one win", async () => {
    const [x, y, z] = ["test.claims.race3.x", "test.claims.race3.y", "test.claims.race3.z"];
    const [left, right] = await Promise.all([
      storeOnOwnConnection(claimDecider, "across-left", { maxAttempts: 1 }),
      storeOnOwnConnection(claimDecider, "across-right", { maxAttempts: 1 }),
    ]);
    // Both caches are warm (empty subjects at version 0) before they race: no in-process lock
    // is shared, so only the broker's per-aggregate guard can keep the second batch out.
    for (const store of [left, right]) for (const s of [x, y, z]) await store.load(s);
    const results = await Promise.allSettled([
      left.handleAcross([x, y], moveAcross({ type: "Move", from: x, to: y, by: "left" })),
      right.handleAcross([y, z], moveAcross({ type: "Move", from: z, to: y, by: "right" })),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const stored = [...(await storedOn(x)), ...(await storedOn(y)), ...(await storedOn(z))];
    expect(stored).toHaveLength(2);
    expect(await storedOn(y)).toHaveLength(1);
  });

  test("an event this version cannot read stops the load instead of being skipped", async () => {
    const subject = "test.counters.future";
    const store = await storeOnOwnConnection(counterDecider().decider, "future");
    await store.handle(subject, { type: "Increment" });
    const { nats } = bed;
    const future = createEventPublisher({ js: nats.js, source: "/future" }).envelope(
      { type: "test.incremented", data: { by: 1 } },
      {},
    );
    await nats.js.publish(
      eventSubject(subject, future.type),
      encodeEvent({ ...future, version: 2 }).payload,
    );
    const cold = await storeOnOwnConnection(counterDecider().decider, "future-cold");
    await expect(cold.load(subject)).rejects.toMatchObject({
      kind: "unavailable",
      code: "aggregate.unknown-event",
    });
    await expect(store.handle(subject, { type: "Increment" })).rejects.toMatchObject({
      code: "aggregate.unknown-event",
    });
    expect(await storedOn(subject)).toHaveLength(2);
  });
});

describe("aggregates a decision reads but does not write", () => {
  test("are re-read first: another process's append to them is never decided around", async () => {
    const [source, target] = ["test.claims.readonly.source", "test.claims.readonly.target"];
    const store = await storeOnOwnConnection(claimDecider, "reads-only");
    const other = await storeOnOwnConnection(claimDecider, "reads-only-other");
    await store.load(source); // cached: unclaimed, version 0
    await other.handle(source, { type: "Claim", by: "other" });
    // Claims target only if source is still unclaimed; source itself is not written.
    const claimIfFree = (states: ReadonlyMap<string, ClaimState>) =>
      states.get(source)?.claimedBy === null
        ? [{ subject: target, event: { type: "test.claimed", data: { by: "me" } } }]
        : [];
    await store.handleAcross([source, target], claimIfFree);
    expect(await storedOn(target)).toHaveLength(0);
  });
});

describe("group commit", () => {
  test("decisions queued behind a batch share the next one, each deciding on the state the previous left", async () => {
    const nats = await connect("group-commit");
    const real = createEventPublisher({ js: nats.js, nc: nats.nc, source: "/group" });
    let batches = 0;
    const counting = {
      ...real,
      publishAll: (appends: Parameters<typeof real.publishAll>[0]) => {
        batches += 1;
        return real.publishAll(appends);
      },
    };
    const counter = counterDecider();
    const store = createAggregateStore(counter.decider, {
      nats,
      publisher: counting,
      registry,
      stream: TEST_STREAM.name,
      logger,
    });
    const [total, other] = ["test.counters.group.total", "test.counters.group.other"];
    // Each decision adds one to `total`, and to `other` only when total is even: a decision
    // that did not see the ones before it would get the parity wrong.
    const step = (states: ReadonlyMap<string, number>) => {
      const now = states.get(total) ?? 0;
      const events: {
        subject: string;
        event: { type: "test.incremented"; data: { by: number } };
      }[] = [{ subject: total, event: { type: "test.incremented", data: { by: 1 } } }];
      if (now % 2 === 0)
        events.push({ subject: other, event: { type: "test.incremented", data: { by: 1 } } });
      return events;
    };
    const results = await Promise.all(
      Array.from({ length: 40 }, () => store.handleAcross([total, other], step)),
    );
    expect(results).toHaveLength(40);
    expect((await store.load(total)).state).toBe(40);
    expect((await store.load(other)).state).toBe(20);
    expect(await storedOn(total)).toHaveLength(40);
    expect(await storedOn(other)).toHaveLength(20);
    // Forty decisions, far fewer atomic batches.
    expect(batches).toBeLessThan(20);
  });

  test("a refusal in a group fails only its own decision", async () => {
    const store = await storeOnOwnConnection(claimDecider, "group-refusal");
    const subject = "test.claims.group";
    const claim = (by: string) => (states: ReadonlyMap<string, ClaimState>) => {
      if (states.get(subject)?.claimedBy !== null) throw conflict("claim.already-claimed", "taken");
      return [{ subject, event: { type: "test.claimed", data: { by } } }];
    };
    const results = await Promise.allSettled(
      ["a", "b", "c", "d"].map((by) => store.handleAcross([subject], claim(by))),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(
      results.filter(
        (r) => r.status === "rejected" && (r.reason as AppError).code === "claim.already-claimed",
      ),
    ).toHaveLength(3);
    expect(await storedOn(subject)).toHaveLength(1);
  });
});
