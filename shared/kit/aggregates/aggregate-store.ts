import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { isConflict, unavailable } from "../errors/app-error.ts";
import type { EventEnvelope } from "../events/cloud-event.ts";
import { decodeEvent } from "../events/codec.ts";
import type { ContractRegistry, DomainEvent } from "../events/event-contract.ts";
import type { EventCause, EventPublisher } from "../events/publisher.ts";
import type { Logger } from "../log/logger.ts";
import type { Decider } from "./decider.ts";
import { createKeyedLock } from "./keyed-lock.ts";
import { readSubject } from "./read-subject.ts";

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
}

export interface AggregateStore<Command, State> {
  load(subject: string): Promise<LoadedAggregate<State>>;
  /**
   * Loads the aggregate, decides, and appends the new events guarded by
   * `expect.lastSubjectSequence`. On a concurrent append it re-reads and decides again
   * (up to `maxAttempts`), so two racing commands never both apply against the same state.
   * Throws what `decide` throws; AppError `unavailable` (`aggregate.contention`) after the
   * last attempt.
   */
  handle(subject: string, command: Command, meta?: CommandMeta): Promise<CommandResult<State>>;
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
}

/**
 * An event store for one kind of aggregate, one exact subject per aggregate instance
 * (server 2.9 guards only exact subjects). Folded state is cached with its version, so
 * a load reads only the events appended since.
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
  }: AggregateStoreOptions,
): AggregateStore<Command, State> {
  const cache = new Map<string, LoadedAggregate<State>>();
  const ownTypes = new Set<string>(decider.events.map((c) => c.type));
  const withLock = createKeyedLock();

  function remember(subject: string, aggregate: LoadedAggregate<State>) {
    cache.delete(subject);
    cache.set(subject, aggregate);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
  }

  async function load(subject: string): Promise<LoadedAggregate<State>> {
    const known = cache.get(subject) ?? { state: decider.initialState, version: 0 };
    const { messages, lastSequence } = await readSubject(
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
    for (const message of messages) {
      let event: EventEnvelope;
      try {
        event = decodeEvent(registry, message);
      } catch (err) {
        logger.error(
          { err, subject, sequence: message.seq },
          "skipping an unreadable event in an aggregate's history",
        );
        continue;
      }
      if (ownTypes.has(event.type))
        state = decider.evolve(state, { type: event.type, data: event.data } as Event);
    }
    const loaded = { state, version: Math.max(lastSequence, known.version) };
    remember(subject, loaded);
    return loaded;
  }

  async function attempt(
    subject: string,
    command: Command,
    meta: CommandMeta,
  ): Promise<CommandResult<State>> {
    let { state, version } = await load(subject);
    const events = decider.decide(command, state);
    const appended: EventEnvelope[] = [];
    for (const event of events) {
      const envelope = publisher.envelope(event, { subject, cause: meta.cause, time: meta.now });
      const result = await publisher.publish(subject, envelope, {
        expectLastSubjectSequence: version,
      });
      state = decider.evolve(state, event);
      version = result.sequence;
      appended.push(envelope);
    }
    remember(subject, { state, version });
    return { state, version, appended };
  }

  return {
    load: (subject) => withLock(subject, () => load(subject)),
    handle: (subject, command, meta = {}) =>
      withLock(subject, async () => {
        for (let tries = 1; ; tries++) {
          try {
            return await attempt(subject, command, meta);
          } catch (err) {
            if (!(isConflict(err) && err.code === "stream.wrong-last-sequence")) throw err;
            if (tries >= maxAttempts) {
              throw unavailable(
                "aggregate.contention",
                `${subject}: still conflicting after ${tries} attempts`,
                err,
              );
            }
            logger.debug({ subject, tries }, "concurrent append, deciding again");
            // A random, growing pause: two instances retrying in lock-step keep colliding.
            await Bun.sleep(Math.random() * RETRY_JITTER_MS * tries);
          }
        }
      }),
  };
}
