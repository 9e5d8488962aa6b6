import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type NatsServerHandle, startNatsServer, waitUntil } from "@shop/shared/testing";
import { z } from "zod";
import { AppError, conflict, isConflict } from "../errors/app-error.ts";
import { encodeEvent } from "../events/codec.ts";
import { createContractRegistry, defineEvent, type EventOf } from "../events/event-contract.ts";
import { createEventPublisher } from "../events/publisher.ts";
import { noteRecorded, TEST_STREAM } from "../fixtures/test-events.ts";
import { createLogger } from "../log/logger.ts";
import { connectNats, type NatsContext } from "../nats/connection.ts";
import { ensureStream } from "../nats/topology.ts";
import { type AggregateStore, createAggregateStore } from "./aggregate-store.ts";
import type { Decider } from "./decider.ts";
import { readSubject } from "./read-subject.ts";
import { SNAPSHOT_STREAM, type SnapshotOptions } from "./snapshots.ts";

setDefaultTimeout(30_000);

const logger = createLogger({ service: "aggregate-test", level: "silent" });

const claimed = defineEvent("test.claimed", z.object({ by: z.string() }));
const incremented = defineEvent("test.incremented", z.object({ by: z.number().int() }));
const registry = createContractRegistry([claimed, incremented, noteRecorded]);

type Claim = { type: "Claim"; by: string };
type ClaimState = { claimedBy: string | null };
type Claimed = EventOf<typeof claimed>;

/** Refuses a second claim: the decision two racing writers must not both win. */
const claimDecider: Decider<Claim, Claimed, ClaimState> = {
  events: [claimed],
  initialState: { claimedBy: null },
  evolve: (_state, event) => ({ claimedBy: event.data.by }),
  decide: (command, state) => {
    if (state.claimedBy !== null) {
      throw conflict("claim.already-claimed", `already claimed by ${state.claimedBy}`);
    }
    return [{ type: "test.claimed", data: { by: command.by } }];
  },
};

type Increment = { type: "Increment" };
type Incremented = EventOf<typeof incremented>;

/** A counter whose evolve counts its own calls, to see how much history a load folds. */
function counterDecider() {
  const folded = { calls: 0 };
  const decider: Decider<Increment, Incremented, number> = {
    events: [incremented],
    initialState: 0,
    evolve: (state, event) => {
      folded.calls += 1;
      return state + event.data.by;
    },
    decide: () => [{ type: "test.incremented", data: { by: 1 } }],
  };
  return { decider, folded };
}

let server: NatsServerHandle;
const connections: NatsContext[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  const first = await connect("aggregate-test-a");
  await ensureStream(first.jsm, TEST_STREAM);
});

afterAll(async () => {
  for (const nats of connections) await nats.drain();
  await server?.cleanup();
});

async function connect(name: string): Promise<NatsContext> {
  const nats = await connectNats({ url: server.url, name, logger });
  connections.push(nats);
  return nats;
}

/** An aggregate store on its own NATS connection, as another service instance would have. */
async function storeOnOwnConnection<C, E extends EventOf<typeof claimed | typeof incremented>, S>(
  decider: Decider<C, E, S>,
  name: string,
  options: { maxAttempts?: number; snapshots?: SnapshotOptions } = {},
): Promise<AggregateStore<C, S>> {
  const nats = await connect(name);
  return createAggregateStore(decider, {
    nats,
    publisher: createEventPublisher({ js: nats.js, nc: nats.nc, source: `/${name}` }),
    registry,
    stream: TEST_STREAM.name,
    logger,
    ...options,
  });
}

const storedOn = async (subject: string) =>
  (await readSubject(connections[0] as NatsContext, TEST_STREAM.name, subject)).messages;

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
    const nats = connections[0] as NatsContext;
    const publisher = createEventPublisher({ js: nats.js, source: "/stale" });
    const stale = publisher.envelope({ type: "test.incremented", data: { by: 1 } }, { subject });

    await expect(
      publisher.publish(subject, stale, { expectLastSubjectSequence: version - 1 }),
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

  test("an aggregate with no events loads as the initial state at version 0", async () => {
    const store = await storeOnOwnConnection(claimDecider, "empty-loader");
    expect(await store.load("test.claims.nobody")).toEqual({
      state: { claimedBy: null },
      version: 0,
    });
  });

  test("events of other types and unreadable messages on the subject are skipped", async () => {
    const subject = "test.counters.mixed";
    const counter = counterDecider();
    const store = await storeOnOwnConnection(counter.decider, "mixed");
    await store.handle(subject, { type: "Increment" });
    const nats = connections[0] as NatsContext;
    const publisher = createEventPublisher({ js: nats.js, source: "/mixed" });
    await publisher.publish(
      subject,
      publisher.envelope({ type: noteRecorded.type, data: { key: "k", amount: 1 } }, {}),
    );
    const garbage = await nats.js.publish(subject, "not an event");
    await nats.js.publish(
      subject,
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

describe("no broker state per request", () => {
  test("four hundred loads and commands create no consumer on the server", async () => {
    const nats = connections[0] as NatsContext;
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
    // is shared, so only the broker's per-subject guard can keep the second batch out.
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
    const nats = connections[0] as NatsContext;
    const future = createEventPublisher({ js: nats.js, source: "/future" }).envelope(
      { type: "test.incremented", data: { by: 1 } },
      {},
    );
    await nats.js.publish(subject, encodeEvent({ ...future, version: 2 }).payload);
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

describe("snapshots", () => {
  test("a cold load reads the latest snapshot and the tail after it, not the whole history", async () => {
    const nats = connections[0] as NatsContext;
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
