import type { StreamPosition } from "../events/cloud-event.ts";
import type { EventHandler } from "../events/on-event.ts";
import type { Logger } from "../log/logger.ts";
import type { ConsumerSpec } from "../nats/topology.ts";
import type { SqliteDb } from "../store/store.ts";

/** What every consumer handler receives besides the event. */
export interface MessageContext {
  position: StreamPosition;
  /** 1 on first delivery. */
  deliveries: number;
  logger: Logger;
}

/** What a handler with database effects receives: the transaction that also records the event as processed. */
export interface ConsumerContext<Schema extends Record<string, unknown> = Record<string, unknown>>
  extends MessageContext {
  tx: SqliteDb<Schema>;
}

/** How a consumer runs, beyond its server-side spec; every field has a default. */
export interface ConsumerOptions {
  /**
   * Messages in hand at once (default 32): different subjects are handled concurrently,
   * each subject's messages strictly one after another in stream order.
   */
  maxInFlight?: number;
  /** Messages per group commit, at most (default 256). */
  maxBatch?: number;
  /** How long processed-event records are kept for dedupe (default 7 days); older ones are pruned. */
  dedupeHorizonMs?: number;
  /** How often the records past the horizon are pruned (default hourly, and once at start). */
  pruneEveryMs?: number;
  /** How often the consumer checks that its durable still exists on the broker (default 5 s). */
  presenceCheckMs?: number;
}

/**
 * A durable consumer and its handlers, by event type; events of other (known) types are
 * acknowledged and skipped. `effects` says where handlers write:
 * - `"database"` (default): only through `tx`. Several messages' effects and idempotency
 *   records commit in one transaction (group commit) before any of them is acked, so the
 *   handler must not do network I/O: the service's single SQLite writer is held meanwhile.
 * - `"events"`: by appending to aggregates (idempotent by decision) or calling out. The
 *   handler runs outside any SQLite transaction; the idempotency record is committed after
 *   it succeeds, before the ack.
 */
export type ConsumerDefinition<Schema extends Record<string, unknown> = Record<string, unknown>> =
  | ({
      spec: ConsumerSpec;
      effects?: "database";
      handlers: readonly EventHandler<ConsumerContext<Schema>>[];
    } & ConsumerOptions)
  | ({
      spec: ConsumerSpec;
      effects: "events";
      handlers: readonly EventHandler<MessageContext>[];
    } & ConsumerOptions);
