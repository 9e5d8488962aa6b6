import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { conflict, isConflict, unavailable } from "../errors/app-error.ts";
import type { EventEnvelope } from "../events/cloud-event.ts";
import type { ContractRegistry, DomainEvent } from "../events/event-contract.ts";
import { aggregateEvents, eventSubject } from "../events/event-subject.ts";
import {
  type Append,
  type EventCause,
  type EventPublisher,
  MAX_BATCH,
} from "../events/publisher.ts";
import type { Logger } from "../log/logger.ts";
import { createCoalescingQueue } from "./coalescing-queue.ts";
import type { Decider } from "./decider.ts";
import { decodeHistory } from "./decode-history.ts";
import { createKeyedLock } from "./keyed-lock.ts";
import { readAggregate } from "./read-aggregate.ts";
import { createSnapshotStore, type SnapshotOptions } from "./snapshots.ts";

const RETRY_JITTER_MS = 5;

export interface LoadedAggregate<State> {
  state: State;
  /** Stream sequence of the last event on the aggregate's subject (0 = no events). */
  version: number;
}

export interface CommandResult<State> extends LoadedAggregate<State> {
  /** The events this command appended (empty when the decision was a no-op). */
  appended: EventEnvelope[];
}

export interface CommandMeta {
  /** The event or request this command answers; its correlation id is carried forward. */
  cause?: EventCause;
  now?: Date;
  /**
   * Event ids for the appended events, in order (default: fresh ids). A retried request that
   * passes the same ids is deduplicated by the broker.
   */
  eventIds?: readonly string[];
}

/** An event a decision across aggregates appends, and the aggregate (subject) it goes to. */
export interface SubjectEvent<Event> {
  subject: string;
  event: Event;
}

export interface AggregateStore<Command, State> {
  /** The aggregate's current state: its cached fold plus the events stored since (one read). */
  load(subject: string): Promise<LoadedAggregate<State>>;
  /**
   * The cached fold when there is one (no read), else `load`. It may be behind the stream:
   * use it to choose what to decide on, such as which aggregates a decision spans, never as
   * the truth; the guarded append of `handle` or `handleAcross` refuses a decision made on a
   * stale state, and the store reads the tail then.
   */
  peek(subject: string): Promise<LoadedAggregate<State>>;
  /**
   * Decides against the cached state and appends the new events in one atomic batch guarded
   * by the version that state was folded at (no read first; an uncached aggregate is taken to
   * be new until the broker says otherwise). When
   * another writer got there first, the server refuses the batch; the store reads the tail and
   * decides again (up to `maxAttempts`), so two racing commands never both apply against the
   * same state. Throws what `decide` throws; AppError `unavailable` (`aggregate.contention`)
   * after the last attempt.
   */
  handle(subject: string, command: Command, meta?: CommandMeta): Promise<CommandResult<State>>;
  /**
   * One decision over several aggregates: `decide` sees each subject's state and returns events
   * tagged with their subject, all appended in one atomic batch in which each subject is guarded
   * by its own version. Aggregates the decision reads but does not append to are re-read before
   * the batch is sent, since no guard covers them. Conflicts are retried as in `handle`.
   * Resolves with the new states.
   * Throws conflict `aggregate.subjects-changed` when `decide` appends to a subject it was not
   * given (the caller chose the subjects from state that has since changed: choose again).
   */
  handleAcross(
    subjects: readonly string[],
    decide: (states: ReadonlyMap<string, State>) => SubjectEvent<DomainEvent>[],
    meta?: CommandMeta,
  ): Promise<{ states: Map<string, LoadedAggregate<State>>; appended: EventEnvelope[] }>;
}

export interface AggregateStoreOptions {
  nats: { js: JetStreamClient; jsm: JetStreamManager };
  publisher: EventPublisher;
  registry: ContractRegistry;
  stream: string;
  logger: Logger;
  /** How many aggregates to keep folded in memory (least recently used are dropped). */
  cacheSize?: number;
  maxAttempts?: number;
  /**
   * For aggregates with long histories: keep a snapshot of the folded state every `every`
   * events, so a cold load reads the snapshot and the tail after it instead of everything.
   * Needs SNAPSHOT_STREAM in the service's topology and JSON-safe state.
   */
  snapshots?: SnapshotOptions;
}

/** The cache's entry: the fold, and how many events it folded since the last snapshot. */
interface Cached<State> extends LoadedAggregate<State> {
  sinceSnapshot: number;
}

/**
 * An event store for one kind of aggregate. An aggregate instance is named by a subject
 * (`orders.o1`); each event is stored on that subject followed by its type
 * (`orders.o1.order.placed`), and appends are guarded over `orders.o1.>`. Folded state is cached
 * with its version, so a command on a warm aggregate costs one publish and a load reads only
 * the events appended since (`readAggregate`: no consumer is created on the server). Commands
 * on one aggregate are serialized in-process; across processes the broker's expected-sequence
 * check keeps them apart.
 *
 * An event of the aggregate that this code cannot read (an unknown type or version, from a
 * newer release) fails the load with AppError `unavailable` (`aggregate.unknown-event`):
 * deciding on state that silently lacks it could, say, oversell. Callers retry later.
 */
export function createAggregateStore<Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
  {
    nats,
    publisher,
    registry,
    stream,
    logger,
    cacheSize = 10_000,
    maxAttempts = 5,
    snapshots: snapshotOptions,
  }: AggregateStoreOptions,
): AggregateStore<Command, State> {
  const cache = new Map<string, Cached<State>>();
  const snapshots =
    snapshotOptions &&
    createSnapshotStore<State>({ ...nats, stream, schema: snapshotOptions.schema, logger });
  const ownTypes = new Set<string>(decider.events.map((c) => c.type));
  const withLock = createKeyedLock();

  function remember(subject: string, aggregate: Cached<State>) {
    cache.delete(subject);
    if (snapshots && snapshotOptions && aggregate.sinceSnapshot >= snapshotOptions.every) {
      snapshots.write(subject, aggregate);
      aggregate = { ...aggregate, sinceSnapshot: 0 };
    }
    cache.set(subject, aggregate);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
  }

  const initial = (): Cached<State> => ({
    state: decider.initialState,
    version: 0,
    sinceSnapshot: 0,
  });

  async function startingPoint(subject: string): Promise<Cached<State>> {
    const cached = cache.get(subject);
    if (cached || !snapshots) return cached ?? initial();
    const snapshot = await snapshots.read(subject).catch((err: unknown) => {
      logger.warn({ err, subject }, "could not read a snapshot; folding the whole history");
      return undefined;
    });
    return snapshot ? { ...snapshot, sinceSnapshot: 0 } : initial();
  }

  async function load(subject: string): Promise<LoadedAggregate<State>> {
    const known = await startingPoint(subject);
    const { messages, lastSequence } = await readAggregate(
      nats,
      stream,
      subject,
      known.version,
    ).catch((err: unknown) => {
      throw unavailable(
        "nats.read-failed",
        `could not read ${subject}: ${(err as Error).message}`,
        err,
      );
    });
    let state = known.state;
    for (const event of decodeHistory(registry, messages, { subject, logger })) {
      if (ownTypes.has(event.type))
        state = decider.evolve(state, { type: event.type, data: event.data } as Event);
    }
    const loaded = {
      state,
      version: Math.max(lastSequence, known.version),
      sinceSnapshot: known.sinceSnapshot + messages.length,
    };
    remember(subject, loaded);
    return { state: loaded.state, version: loaded.version };
  }

  // An aggregate not in the cache is taken to be new (empty, version 0) rather than read
  // first: most commands on an uncached subject create it (a new order, payment, reservation).
  // If it does exist, the broker refuses the guarded append and the tail is read then; a
  // refusal or a no-op decided on that assumption is checked against the tail before it counts.
  const current = (subject: string): Cached<State> => cache.get(subject) ?? initial();

  /** Reads the tails: true when nothing was appended since `loaded` was folded. */
  async function caughtUp(
    subjects: readonly string[],
    loaded: ReadonlyMap<string, LoadedAggregate<State>>,
  ): Promise<boolean> {
    let same = true;
    for (const subject of subjects) {
      const fresh = await load(subject);
      if (fresh.version !== loaded.get(subject)?.version) same = false;
    }
    return same;
  }

  /** One decision of a group: the aggregates it reads, how it decides, and its event ids. */
  interface Decision {
    subjects: readonly string[];
    decide: (states: ReadonlyMap<string, State>) => SubjectEvent<DomainEvent>[];
    meta: CommandMeta;
  }
  type Outcome =
    | { value: { states: Map<string, LoadedAggregate<State>>; appended: EventEnvelope[] } }
    | { error: unknown };

  /**
   * Decides every decision of the group in order, each on the state the ones before it left,
   * and appends all their events in one atomic batch in which each subject is guarded by the
   * version it had before the group. A refusal is that decision's outcome alone. Throws the
   * batch's conflict (the caller reads the tails and runs the group again).
   */
  async function attemptGroup(group: readonly Decision[]): Promise<Outcome[]> {
    const subjects = [...new Set(group.flatMap((d) => d.subjects))];
    const before = new Map(subjects.map((subject) => [subject, current(subject)]));
    const working = new Map([...before].map(([subject, { state }]) => [subject, state]));
    const decided = group.map((decision): SubjectEvent<DomainEvent>[] | { error: unknown } => {
      try {
        const view = new Map(decision.subjects.map((s) => [s, working.get(s) as State]));
        const events = decision.decide(view);
        const stray = events.find((e) => !decision.subjects.includes(e.subject));
        if (stray)
          throw conflict(
            "aggregate.subjects-changed",
            `the decision appends to ${stray.subject}, which it did not load: load the aggregates again`,
            { subject: stray.subject },
          );
        for (const { subject, event } of events)
          working.set(subject, decider.evolve(working.get(subject) as State, event as Event));
        return events;
      } catch (error) {
        return { error };
      }
    });
    // The broker guards only the subjects the batch writes. Any other aggregate a decision read
    // (all of them, for a no-op or a refusal) may be stale: say a sku restocked by another
    // process. Read those tails, and decide again if anything was appended.
    const written = new Set(
      decided.flatMap((d) => (Array.isArray(d) ? d : []).map((e) => e.subject)),
    );
    const unguarded = subjects.filter((subject) => !written.has(subject));
    if (unguarded.length > 0 && !(await caughtUp(unguarded, before))) return attemptGroup(group);

    const guarded = new Set<string>();
    const appends: Append[] = [];
    const owners: number[] = [];
    decided.forEach((events, d) => {
      if (!Array.isArray(events)) return;
      const { meta } = group[d] as Decision;
      events.forEach(({ subject, event }, i) => {
        const envelope = publisher.envelope(event, {
          id: meta.eventIds?.[i],
          subject,
          cause: meta.cause,
          time: meta.now,
        });
        // The first event per aggregate carries the guard, over all the aggregate's subjects;
        // the batch is all-or-nothing.
        const first = !guarded.has(subject);
        guarded.add(subject);
        const at = before.get(subject) as Cached<State>;
        const stored = eventSubject(subject, event.type);
        appends.push(
          first
            ? {
                subject: stored,
                envelope,
                expectLastSubjectSequence: at.version,
                expectLastSubjectSequenceSubject: aggregateEvents(subject),
              }
            : { subject: stored, envelope },
        );
        owners.push(d);
      });
    });
    if (appends.length > MAX_BATCH && group.length > 1) {
      const half = Math.ceil(group.length / 2);
      return [
        ...(await attemptGroup(group.slice(0, half))),
        ...(await attemptGroup(group.slice(half))),
      ];
    }
    const results = await publisher.publishAll(appends);
    const after = new Map(before);
    appends.forEach(({ envelope }, i) => {
      const subject = envelope.subject as string;
      const at = after.get(subject) as Cached<State>;
      after.set(subject, {
        state: working.get(subject) as State,
        version: results[i]?.sequence ?? at.version,
        sinceSnapshot: at.sinceSnapshot + 1,
      });
    });
    for (const [subject, aggregate] of after) remember(subject, aggregate);
    return decided.map((events, d) => {
      if (!Array.isArray(events)) return { error: events.error };
      const states = new Map(
        (group[d] as Decision).subjects.map((subject) => {
          const { state, version } = after.get(subject) as Cached<State>;
          return [subject, { state, version }];
        }),
      );
      return {
        value: {
          states,
          appended: appends.filter((_, i) => owners[i] === d).map((a) => a.envelope),
        },
      };
    });
  }

  /** Runs a group under every subject's lock, reading the tails and retrying on a conflict. */
  const runGroup = (group: readonly Decision[]) => {
    const subjects = [...new Set(group.flatMap((d) => d.subjects))];
    return withLocks(subjects, () => withRetries(subjects, () => attemptGroup(group)));
  };

  // Decisions across aggregates are group-committed: an atomic batch is synced to disk by the
  // broker (~10 ms), so the decisions that queue behind one batch share the next.
  const queued = createCoalescingQueue(runGroup);

  async function withRetries<T>(subjects: readonly string[], run: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await run();
      } catch (err) {
        const stale =
          isConflict(err) &&
          (err.code === "stream.wrong-last-sequence" || err.code === "stream.duplicate-batch");
        if (!stale) throw err;
        if (tries >= maxAttempts) {
          throw unavailable(
            "aggregate.contention",
            `${subjects.join(", ")}: still conflicting after ${tries} attempts`,
            err,
          );
        }
        logger.debug({ subjects, tries }, "stale state or concurrent append, deciding again");
        // Read what the others appended, then decide again.
        for (const subject of subjects) await load(subject);
        // A random, growing pause: two instances retrying in lock-step keep colliding.
        await Bun.sleep(Math.random() * RETRY_JITTER_MS * tries);
      }
    }
  }

  /** Takes every subject's lock, in sorted order so two multi-subject commands never deadlock. */
  function withLocks<T>(subjects: readonly string[], task: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(subjects)].sort();
    const nest = (i: number): Promise<T> =>
      i === sorted.length ? task() : withLock(sorted[i] as string, () => nest(i + 1));
    return nest(0);
  }

  return {
    load: (subject) => withLock(subject, () => load(subject)),
    peek: async (subject) => {
      const cached = cache.get(subject);
      return cached
        ? { state: cached.state, version: cached.version }
        : withLock(subject, () => load(subject));
    },
    handle: async (subject, command, meta = {}) => {
      const decide = (states: ReadonlyMap<string, State>) =>
        decider.decide(command, states.get(subject) as State).map((event) => ({ subject, event }));
      const [outcome] = await runGroup([{ subjects: [subject], decide, meta }]);
      if (!outcome || "error" in outcome) throw outcome?.error;
      const { state, version } = outcome.value.states.get(subject) as LoadedAggregate<State>;
      return { state, version, appended: outcome.value.appended };
    },
    handleAcross: (subjects, decide, meta = {}) => queued({ subjects, decide, meta }),
  };
}
