import { AppError } from "../errors/app-error.ts";
import { checkSubject, decodeCloudEvent, isUnknownVersion, toEnvelope } from "../events/codec.ts";
import type { ContractRegistry } from "../events/event-contract.ts";
import type { Step } from "./pipeline.ts";
import { type RetryPolicy, retryDelayMs } from "./retry-policy.ts";

/** The event types a consumer handles, and every type the contracts know. */
export interface TypeFilter {
  handled: ReadonlySet<string>;
  known: ReadonlySet<string>;
}

/** Builds the filter for a consumer with handlers for `handled`. */
export const typeFilter = (registry: ContractRegistry, handled: Iterable<string>): TypeFilter => ({
  handled: new Set(handled),
  known: new Set(registry.all().map((c) => c.type)),
});

export const headerType = (value: string | undefined) => {
  if (!value) return undefined;
  try {
    return value.includes("%") ? decodeURIComponent(value) : value;
  } catch {
    return undefined;
  }
};

/**
 * Skips, before any decoding, a message whose `ce-type` header (binary mode, and every
 * event the kit publishes) names a known type this consumer has no handler for: acked.
 * A message without that header, or of a type no contract knows, goes on to `decode`.
 */
export const skipUnhandledTypes =
  ({ handled, known }: TypeFilter): Step =>
  ({ message }) => {
    const type = headerType(message.headers?.get("ce-type"));
    if (type === undefined || handled.has(type) || !known.has(type)) return undefined;
    return { kind: "ack", result: "skipped" };
  };

/**
 * Decodes the message once: the envelope, then (only for a type this consumer handles)
 * the data against its contract. Malformed, of no known type, or breaking its schema:
 * dead-lettered. A known type the consumer does not handle: acked and skipped. A handled
 * type at a `dataversion` this code does not know: put back with a growing delay, never
 * dead-lettered, and reported as a problem until newer code takes it (a rolling deploy).
 */
export const decodeEvent =
  (registry: ContractRegistry, { handled, known }: TypeFilter, policy: RetryPolicy): Step =>
  (m) => {
    const { message } = m;
    try {
      const cloudEvent = decodeCloudEvent(message.data, message.headers);
      checkSubject(registry, message.subject, cloudEvent.type);
      if (!handled.has(cloudEvent.type) && known.has(cloudEvent.type))
        return { kind: "ack", result: "skipped" };
      m.event = toEnvelope(cloudEvent, registry, cloudEvent.time ? undefined : message.time);
      return undefined;
    } catch (err) {
      if (isUnknownVersion(err)) {
        return {
          kind: "defer",
          code: err.code,
          reason: err.message,
          delayMs: retryDelayMs(policy, message.info.deliveryCount),
          problem: `waiting for code that can read it: ${err.message} (${message.subject}, stream sequence ${message.seq})`,
        };
      }
      if (!(err instanceof AppError)) throw err;
      return { kind: "dead-letter", code: err.code, reason: err.message };
    }
  };
