import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import type { RetryPolicy } from "../consumers/retry-policy.ts";
import { refuseUncoveredSubjects } from "./subject-coverage.ts";

/** A stream declared as code, beside the contracts whose events it stores. */
export interface StreamSpec {
  name: string;
  subjects: string[];
  description: string;
  /** Broker dedupe window for `Nats-Msg-Id`, in milliseconds (default 2 minutes). */
  duplicateWindowMs?: number;
  /** Streams that are a system's history keep everything and refuse deletes. */
  maxAgeMs?: number;
  /** Keep only the latest N messages per subject (a cache such as snapshots); default unlimited. */
  maxMsgsPerSubject?: number;
}

/** A durable pull consumer declared as code. Its name is persistent state: renaming it replays or skips history. */
export interface ConsumerSpec {
  stream: string;
  durable: string;
  filterSubject: string;
  /**
   * When set, the server delivers only messages on these subjects (instead of `filterSubject`):
   * the event types the consumer handles (`eventFilters`), so it is not sent, and does not ack,
   * the others.
   */
  filterSubjects?: string[];
  description: string;
  /** How long the server waits for an ack before redelivering (default 10 s): what a crashed consumer costs in latency. */
  ackWaitMs?: number;
  /**
   * How the kit retries a message whose handler fails transiently (`nak(delay)`, exponential
   * backoff with jitter) and for how long before dead-lettering it; unset fields take
   * DEFAULT_RETRY_POLICY (10 minutes: a 5-minute outage passes without a dead letter).
   */
  retry?: Partial<RetryPolicy>;
  /** Messages in flight for this consumer (server default 1000). */
  maxAckPending?: number;
}

export const DEFAULT_ACK_WAIT_MS = 10_000;

/** The broker answered that the stream or consumer does not exist. */
export const isNotFound = (err: unknown) =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamNotFound ||
    err.code === JetStreamApiCodes.ConsumerNotFound);

/**
 * Creates the stream, or updates it to match the spec. Idempotent: safe at every start-up
 * and from several services at once. Limits retention: the stream is the event store.
 */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  const config = {
    name: spec.name,
    subjects: spec.subjects,
    description: spec.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(spec.maxAgeMs ?? 0),
    max_msgs_per_subject: spec.maxMsgsPerSubject ?? -1,
    duplicate_window: nanos(spec.duplicateWindowMs ?? 120_000),
    deny_delete: true,
    // Reads are direct gets (no consumer per read); decisions over several events or
    // aggregates are atomic batches (server 2.12+).
    allow_direct: true,
    allow_atomic: true,
  };
  try {
    const { config: current, state } = await jsm.streams.info(spec.name);
    // An update is a write on the server: skip it when nothing would change (every start-up).
    if (hasSettings(current, config)) return;
    if (state.messages > 0 && !hasSettings(current, { subjects: config.subjects }))
      await refuseUncoveredSubjects(jsm, spec.name, config.subjects);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await jsm.streams.add(config);
      return;
    } catch (addErr) {
      // Another service created it between our look-up and add: fall through to update.
      if (!(addErr instanceof JetStreamApiError && addErr.code === 10058)) throw addErr;
    }
  }
  await jsm.streams.update(spec.name, config);
}

/** Creates the durable consumer, or updates its mutable settings. Idempotent. */
export async function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const config = {
    durable_name: spec.durable,
    description: spec.description,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    // One or the other (the server refuses both); the client merges an update into the current
    // config, so the unused one is cleared explicitly.
    ...(spec.filterSubjects
      ? { filter_subject: undefined, filter_subjects: spec.filterSubjects }
      : { filter_subject: spec.filterSubject, filter_subjects: undefined }),
    ack_wait: nanos(spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
    // Unlimited on the server: the kit dead-letters past its retry horizon, so a message
    // whose dead-lettering failed is still redelivered, not dropped.
    max_deliver: -1,
    max_ack_pending: spec.maxAckPending ?? 1_000,
  };
  try {
    const { config: current } = await jsm.consumers.info(spec.stream, spec.durable);
    const { deliver_policy: _fixed, durable_name: _name, ...mutable } = config;
    if (hasSettings(current, mutable)) return;
    await jsm.consumers.update(spec.stream, spec.durable, mutable);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(spec.stream, config);
  }
}

/** True when `current` already has every setting in `wanted` (compared as JSON values). */
function hasSettings(current: object, wanted: Record<string, unknown>): boolean {
  const have = current as Record<string, unknown>;
  return Object.entries(wanted).every(
    ([key, value]) => JSON.stringify(have[key]) === JSON.stringify(value),
  );
}

/**
 * Declares streams first, then consumers (each group concurrently); call once at start-up
 * before consuming. Settings already in place are left alone: no write on the server.
 */
export async function ensureTopology(
  jsm: JetStreamManager,
  { streams, consumers }: { streams: readonly StreamSpec[]; consumers: readonly ConsumerSpec[] },
): Promise<void> {
  await Promise.all(streams.map((stream) => ensureStream(jsm, stream)));
  await Promise.all(consumers.map((consumer) => ensureConsumer(jsm, consumer)));
}
