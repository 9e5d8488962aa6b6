import { headers as createHeaders, type MsgHdrs } from "@nats-io/nats-core";
import { AppError, isUnavailable, unavailable, validationError } from "../errors/app-error.ts";
import { type CloudEvent, cloudEventSchema, type EventEnvelope } from "./cloud-event.ts";
import type { ContractRegistry } from "./event-contract.ts";
import { isOnItsSubject } from "./event-subject.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const STRUCTURED_CONTENT_TYPE = "application/cloudevents+json";

const UNKNOWN_VERSION = "event.unknown-version";

/**
 * True for the error `toEnvelope` throws when an event's type has a contract but not at its
 * `dataversion`. Such an event must be neither dropped nor dead-lettered: wait for code that
 * knows the version (a rolling deploy), and say so.
 */
export const isUnknownVersion = (err: unknown): err is AppError =>
  isUnavailable(err) && err.code === UNKNOWN_VERSION;

const UNKNOWN_TYPE = "event.unknown-type";

/** The event's type has no contract here (see `toEnvelope`). */
export const isUnknownType = (err: unknown): err is AppError =>
  err instanceof AppError && err.code === UNKNOWN_TYPE;

/** Encodes an envelope in CloudEvents structured mode: the JSON event is the payload. */
export function encodeEvent(event: EventEnvelope): { payload: Uint8Array; headers: MsgHdrs } {
  const cloudEvent: CloudEvent = {
    specversion: "1.0",
    id: event.id,
    source: event.source,
    type: event.type,
    time: event.time,
    subject: event.subject,
    datacontenttype: "application/json",
    dataversion: event.version === 1 ? undefined : event.version,
    correlationid: event.correlationId,
    causationid: event.causationId,
    traceparent: event.traceparent,
    data: event.data,
  };
  const headers = createHeaders();
  headers.set("content-type", STRUCTURED_CONTENT_TYPE);
  headers.set("ce-type", event.type);
  headers.set("ce-id", event.id);
  if (event.traceparent) headers.set("traceparent", event.traceparent);
  return { payload: encoder.encode(JSON.stringify(cloudEvent)), headers };
}

/** Reads the envelope of a message in binary mode (`ce-*` headers, data in the payload). */
function readBinaryMode(headers: MsgHdrs, payload: Uint8Array): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [key, values] of headers) {
    const name = key.toLowerCase();
    if (name.startsWith("ce-") && values[0] !== undefined) {
      try {
        attributes[name.slice(3)] = decodeURIComponent(values[0]);
      } catch {
        throw validationError("event.malformed", `header ${key} is not percent-encoded`);
      }
    }
  }
  const contentType = headers.get("content-type") || "application/json";
  attributes.datacontenttype = contentType;
  const text = decoder.decode(payload);
  attributes.data = /json/i.test(contentType) && text.length > 0 ? JSON.parse(text) : text;
  return attributes;
}

/**
 * Decodes a NATS message into a validated CloudEvent, in binary mode when a
 * `ce-specversion` header is present, otherwise in structured mode. Throws a
 * validation AppError (code `event.malformed`) saying what is wrong.
 */
export function decodeCloudEvent(payload: Uint8Array, headers?: MsgHdrs): CloudEvent {
  let raw: unknown;
  try {
    raw = headers?.has("ce-specversion")
      ? readBinaryMode(headers, payload)
      : JSON.parse(decoder.decode(payload));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw validationError(
      "event.malformed",
      `payload is not valid JSON: ${(err as Error).message}`,
    );
  }
  const parsed = cloudEventSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`);
    throw validationError("event.malformed", `not a CloudEvents 1.0 event: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/**
 * Validates a CloudEvent's data against its contract and returns the kit's envelope.
 * Throws a validation AppError `event.unknown-type` when no contract has the type,
 * `event.invalid-data` when the payload breaks the schema, and an unavailable AppError
 * `event.unknown-version` (see {@link isUnknownVersion}) when the type is known but not at
 * this `dataversion`: the event is not malformed, this code is too old (or too new) for it.
 */
export function toEnvelope(
  cloudEvent: CloudEvent,
  registry: ContractRegistry,
  storedAt?: Date,
): EventEnvelope {
  const version = cloudEvent.dataversion ?? 1;
  const contract = registry.get(cloudEvent.type, version);
  if (!contract) {
    if (registry.all().some((c) => c.type === cloudEvent.type)) {
      throw unavailable(
        UNKNOWN_VERSION,
        `${cloudEvent.type} v${version} is not a version this code knows`,
      );
    }
    throw validationError(UNKNOWN_TYPE, `no contract for ${cloudEvent.type} v${version}`);
  }
  const data = contract.schema.safeParse(cloudEvent.data);
  if (!data.success) {
    const problems = data.error.issues.map((i) => `data.${i.path.join(".")}: ${i.message}`);
    throw validationError(
      "event.invalid-data",
      `${cloudEvent.type} v${version}: ${problems.join("; ")}`,
    );
  }
  return {
    id: cloudEvent.id,
    type: cloudEvent.type,
    source: cloudEvent.source,
    // A hand-published event may omit `time`: the broker's stored time keeps replays deterministic.
    time: cloudEvent.time ?? (storedAt ?? new Date()).toISOString(),
    subject: cloudEvent.subject,
    version,
    correlationId: cloudEvent.correlationid ?? cloudEvent.id,
    causationId: cloudEvent.causationid,
    traceparent: cloudEvent.traceparent,
    data: data.data,
  };
}

const knownTypes = new WeakMap<ContractRegistry, Set<string>>();

/**
 * Refuses an event stored on the subject of another known type (`orders.o1.order.placed`
 * carrying `order.cancelled`): consumers select events by subject, so such an event would be
 * applied by some and never seen by others. Throws a validation AppError
 * `event.subject-mismatch`. A subject that ends with no known type is not judged here (the
 * shop's streams only store `<aggregate>.<type>`).
 */
export function checkSubject(registry: ContractRegistry, subject: string, type: string): void {
  if (isOnItsSubject(subject, type)) return;
  let types = knownTypes.get(registry);
  if (!types) {
    types = new Set(registry.all().map((c) => c.type));
    knownTypes.set(registry, types);
  }
  const tokens = subject.split(".");
  for (let n = 1; n < tokens.length; n++) {
    const suffix = tokens.slice(-n).join(".");
    if (types.has(suffix))
      throw validationError(
        "event.subject-mismatch",
        `a ${type} event stored on ${subject}, the subject of ${suffix} events: an event's subject ends with its type`,
      );
  }
}

/** Decodes and validates in one step (see decodeCloudEvent, checkSubject and toEnvelope for what throws). */
export function decodeEvent(
  registry: ContractRegistry,
  message: { subject?: string; data: Uint8Array; headers?: MsgHdrs | undefined; time?: Date },
): EventEnvelope {
  const cloudEvent = decodeCloudEvent(message.data, message.headers);
  if (message.subject !== undefined) checkSubject(registry, message.subject, cloudEvent.type);
  return toEnvelope(cloudEvent, registry, message.time);
}
