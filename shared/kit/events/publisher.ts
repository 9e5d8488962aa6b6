import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { AppError, conflict, unavailable, validationError } from "../errors/app-error.ts";
import type { EventEnvelope } from "./cloud-event.ts";
import { encodeEvent } from "./codec.ts";
import type { ContractRegistry, DomainEvent } from "./event-contract.ts";

/** What an event is published in answer to: carries correlation, causation and trace forward. */
export interface EventCause {
  id?: string;
  correlationId: string;
  traceparent?: string | undefined;
}

export interface PublishOptions {
  /** Optimistic concurrency: the subject's last stored sequence must be this (0 = subject empty). */
  expectLastSubjectSequence?: number;
  /**
   * Checks `expectLastSubjectSequence` against the last message on this subject filter instead
   * (e.g. `orders.o1.>`), for an aggregate whose events sit on several subjects.
   */
  expectLastSubjectSequenceSubject?: string;
}

/** One event of an atomic batch, with its own optional expectation. */
export interface Append extends PublishOptions {
  subject: string;
  envelope: EventEnvelope;
}

export interface PublishResult {
  stream: string;
  sequence: number;
  /** True when the broker had already stored this event id (within its duplicate window). */
  duplicate: boolean;
}

export interface EventPublisher {
  /**
   * Publishes one event and resolves once JetStream has stored it. `Nats-Msg-Id` is the
   * event id, so publishing the same envelope again is deduplicated by the broker.
   * Throws AppError `conflict` (`stream.wrong-last-sequence`) when the expectation fails,
   * `unavailable` (`nats.publish-failed`) when the broker cannot be reached.
   */
  publish(
    subject: string,
    envelope: EventEnvelope,
    options?: PublishOptions,
  ): Promise<PublishResult>;
  /**
   * Stores every event or none (an atomic batch, server 2.12+, stream `allow_atomic`), each
   * checked against its own expectation, and resolves with their stream positions in order.
   * One event is a plain publish. Throws like `publish`; a batch whose ids were already
   * stored (a retry of a committed batch) throws conflict `stream.duplicate-batch`.
   */
  publishAll(appends: readonly Append[]): Promise<PublishResult[]>;
  /** Builds a full envelope for a domain event, stamping id, time, source and lineage. */
  envelope<E extends DomainEvent>(
    event: E,
    meta: { id?: string; subject?: string; cause?: EventCause; time?: Date },
  ): EventEnvelope<E["type"], E["data"]>;
}

/** Most events in one atomic batch (the server's limit is 1,000). */
export const MAX_BATCH = 1_000;

const DUPLICATE_IN_BATCH = 10201;

export function createEventPublisher({
  js,
  nc,
  source,
  newId = () => crypto.randomUUID(),
  registry,
  timeoutMs = 5_000,
}: {
  js: JetStreamClient;
  /** The connection `js` runs on; needed for atomic batches. */
  nc?: NatsConnection;
  /** How long to wait for the broker to store an event or a batch. */
  timeoutMs?: number;
  source: string;
  newId?: () => string;
  /** When given, every event is checked against its contract before it is stored. */
  registry?: ContractRegistry;
}): EventPublisher {
  /** A fact that breaks its own contract would be dead-lettered by every consumer: refuse it here. */
  function checkContract(envelope: EventEnvelope) {
    if (!registry) return;
    const contract = registry.get(envelope.type, envelope.version);
    if (!contract)
      throw validationError(
        "event.unknown-type",
        `no contract for ${envelope.type} v${envelope.version}`,
      );
    const result = contract.schema.safeParse(envelope.data);
    if (!result.success) {
      const problems = result.error.issues.map(
        (i) => `${i.path.join(".") || "data"}: ${i.message}`,
      );
      throw validationError(
        "event.invalid-outgoing",
        `${envelope.type} would break its contract: ${problems.join("; ")}`,
      );
    }
  }

  return {
    envelope(event, { id = newId(), subject, cause, time = new Date() }) {
      return {
        id,
        type: event.type,
        source,
        time: time.toISOString(),
        subject,
        version: 1,
        correlationId: cause?.correlationId ?? id,
        causationId: cause?.id,
        traceparent: cause?.traceparent,
        data: event.data,
      };
    },

    async publish(subject, envelope, options = {}) {
      checkContract(envelope);
      const { payload, headers } = encodeEvent(envelope);
      try {
        const ack = await js.publish(subject, payload, {
          msgID: envelope.id,
          headers,
          timeout: timeoutMs,
          expect: expectations(options),
        });
        return { stream: ack.stream, sequence: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        throw publishError(err, subject, envelope, options);
      }
    },

    async publishAll(appends) {
      if (appends.length === 1) {
        const [{ subject, envelope, ...options }] = appends as [Append];
        return [await this.publish(subject, envelope, options)];
      }
      if (appends.length === 0) return [];
      if (appends.length > MAX_BATCH)
        throw validationError("event.batch-too-large", `${appends.length} events > ${MAX_BATCH}`);
      if (!nc) throw new Error("createEventPublisher needs `nc` to publish atomic batches");
      const batchId = newId();
      const last = appends.length - 1;
      const first = appends[0] as Append;
      try {
        for (const [i, { subject, envelope, ...options }] of appends.entries()) {
          checkContract(envelope);
          const { payload, headers } = encodeEvent(envelope);
          headers.set("Nats-Msg-Id", envelope.id);
          const expect = expectations(options);
          if (expect?.lastSubjectSequence !== undefined)
            headers.set("Nats-Expected-Last-Subject-Sequence", String(expect.lastSubjectSequence));
          if (expect?.lastSubjectSequenceSubject !== undefined)
            headers.set(
              "Nats-Expected-Last-Subject-Sequence-Subject",
              expect.lastSubjectSequenceSubject,
            );
          headers.set("Nats-Batch-Id", batchId);
          headers.set("Nats-Batch-Sequence", String(i + 1));
          if (i < last) {
            nc.publish(subject, payload, { headers });
            continue;
          }
          headers.set("Nats-Batch-Commit", "1");
          const reply = await nc.request(subject, payload, { headers, timeout: timeoutMs });
          const ack = reply.json<BatchReply>();
          if (ack.error) throw new JetStreamApiError(ack.error);
          return appends.map((_, j) => ({
            stream: ack.stream,
            sequence: ack.seq - last + j,
            duplicate: false,
          }));
        }
        throw new Error("unreachable");
      } catch (err) {
        if (err instanceof JetStreamApiError && err.code === DUPLICATE_IN_BATCH)
          throw conflict(
            "stream.duplicate-batch",
            `batch starting at ${first.subject} was already stored`,
            {
              subject: first.subject,
            },
          );
        throw publishError(err, first.subject, first.envelope, first);
      }
    },
  };
}

interface BatchReply {
  stream: string;
  seq: number;
  error?: { code: number; err_code: number; description: string };
}

function expectations(options: PublishOptions) {
  if (options.expectLastSubjectSequence === undefined) return undefined;
  return {
    lastSubjectSequence: options.expectLastSubjectSequence,
    ...(options.expectLastSubjectSequenceSubject === undefined
      ? {}
      : { lastSubjectSequenceSubject: options.expectLastSubjectSequenceSubject }),
  };
}

/** Maps a broker failure to the kit's errors: the kind decides HTTP status and settlement. */
function publishError(
  err: unknown,
  subject: string,
  envelope: EventEnvelope,
  options: PublishOptions,
): Error {
  if (err instanceof AppError) return err;
  if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence) {
    return conflict("stream.wrong-last-sequence", `${subject}: ${err.message}`, {
      subject,
      expected: options.expectLastSubjectSequence,
    });
  }
  // The client refuses a message over the server's max_payload before sending it: retrying
  // can never succeed, so this is the caller's input, not an outage.
  if (err instanceof Error && /max_payload/i.test(err.message)) {
    return validationError(
      "event.too-large",
      `${envelope.type} is too large for the broker: ${err.message}`,
    );
  }
  return unavailable(
    "nats.publish-failed",
    `could not store ${envelope.type} on ${subject}: ${(err as Error).message}`,
    err,
  );
}
