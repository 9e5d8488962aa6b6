import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
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
  /** Builds a full envelope for a domain event, stamping id, time, source and lineage. */
  envelope<E extends DomainEvent>(
    event: E,
    meta: { id?: string; subject?: string; cause?: EventCause; time?: Date },
  ): EventEnvelope<E["type"], E["data"]>;
}

export function createEventPublisher({
  js,
  source,
  newId = () => crypto.randomUUID(),
  registry,
}: {
  js: JetStreamClient;
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
          ...(options.expectLastSubjectSequence === undefined
            ? {}
            : { expect: { lastSubjectSequence: options.expectLastSubjectSequence } }),
        });
        return { stream: ack.stream, sequence: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        if (
          err instanceof JetStreamApiError &&
          err.code === JetStreamApiCodes.StreamWrongLastSequence
        ) {
          throw conflict("stream.wrong-last-sequence", `${subject}: ${err.message}`, {
            subject,
            expected: options.expectLastSubjectSequence,
          });
        }
        if (err instanceof AppError) throw err;
        throw unavailable(
          "nats.publish-failed",
          `could not store ${envelope.type} on ${subject}: ${(err as Error).message}`,
          err,
        );
      }
    },
  };
}
