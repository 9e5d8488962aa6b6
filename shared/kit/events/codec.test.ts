import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers as createHeaders, type NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { type NatsServerHandle, startNatsServer } from "@shop/shared/testing";
import { z } from "zod";
import { AppError, validationError } from "../errors/app-error.ts";
import { noteRecorded, TEST_STREAM } from "../fixtures/test-events.ts";
import { ensureStream } from "../nats/topology.ts";
import type { EventEnvelope } from "./cloud-event.ts";
import {
  decodeCloudEvent,
  decodeEvent,
  encodeEvent,
  isUnknownVersion,
  STRUCTURED_CONTENT_TYPE,
} from "./codec.ts";
import { createContractRegistry, defineEvent } from "./event-contract.ts";

const noteRecordedV2 = defineEvent(
  "test.note-recorded",
  z.object({ key: z.string(), amount: z.number().int(), unit: z.string() }),
  { version: 2 },
);
const registry = createContractRegistry([noteRecorded, noteRecordedV2]);
const encoder = new TextEncoder();

const envelope = (overrides: Partial<EventEnvelope> = {}): EventEnvelope => ({
  id: "evt-1",
  type: "test.note-recorded",
  source: "/codec-test",
  time: "2024-05-01T10:00:00.000Z",
  subject: "test.codec.a",
  version: 1,
  correlationId: "corr-1",
  causationId: "evt-0",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  data: { key: "a", amount: 3 },
  ...overrides,
});

/** A structured-mode payload written by hand, as another producer might. */
const structured = (event: Record<string, unknown>) =>
  encoder.encode(JSON.stringify({ specversion: "1.0", id: "evt-9", source: "/x", ...event }));

function expectAppError(fn: () => unknown, code: string): AppError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  const appError = caught as AppError;
  expect(appError.kind).toBe("validation");
  expect(appError.code).toBe(code);
  return appError;
}

describe("structured mode", () => {
  test("an encoded envelope decodes to the same envelope", () => {
    const original = envelope();
    const { payload, headers } = encodeEvent(original);
    expect(headers.get("content-type")).toBe(STRUCTURED_CONTENT_TYPE);
    expect(headers.get("ce-id")).toBe("evt-1");
    expect(headers.get("ce-type")).toBe("test.note-recorded");
    expect(decodeEvent(registry, { data: payload, headers })).toEqual(original);
  });

  test("a version 2 payload round-trips against the version 2 contract", () => {
    const original = envelope({
      version: 2,
      causationId: undefined,
      traceparent: undefined,
      data: { key: "a", amount: 1, unit: "kg" },
    });
    const { payload, headers } = encodeEvent(original);
    expect(JSON.parse(new TextDecoder().decode(payload)).dataversion).toBe(2);
    expect(decodeEvent(registry, { data: payload, headers })).toEqual(original);
  });

  test("a missing correlation id falls back to the event id", () => {
    const event = decodeEvent(registry, {
      data: structured({ type: "test.note-recorded", data: { key: "k", amount: 1 } }),
    });
    expect(event.correlationId).toBe("evt-9");
    expect(event.version).toBe(1);
  });
});

describe("binary mode", () => {
  test("reads the attributes from percent-encoded ce- headers and the data from the payload", () => {
    const headers = createHeaders();
    headers.set("ce-specversion", "1.0");
    headers.set("ce-type", "test.note-recorded");
    headers.set("ce-id", "evt%3A42");
    headers.set("ce-source", "%2Fbilling%20service");
    headers.set("ce-time", "2024-05-01T10%3A00%3A00Z");
    headers.set("ce-correlationid", "order%2F7");
    headers.set("content-type", "application/json");
    const event = decodeEvent(registry, {
      data: encoder.encode(JSON.stringify({ key: "b", amount: 5 })),
      headers,
    });
    expect(event).toMatchObject({
      id: "evt:42",
      type: "test.note-recorded",
      source: "/billing service",
      time: "2024-05-01T10:00:00Z",
      correlationId: "order/7",
      version: 1,
      data: { key: "b", amount: 5 },
    });
  });

  test("takes the schema version from ce-dataversion", () => {
    const headers = createHeaders();
    headers.set("ce-specversion", "1.0");
    headers.set("ce-type", "test.note-recorded");
    headers.set("ce-id", "evt-2");
    headers.set("ce-source", "/x");
    headers.set("ce-dataversion", "2");
    const event = decodeEvent(registry, {
      data: encoder.encode(JSON.stringify({ key: "b", amount: 5, unit: "m" })),
      headers,
    });
    expect(event.version).toBe(2);
    expect(event.data).toEqual({ key: "b", amount: 5, unit: "m" });
  });

  test("a binary event without ce-id is malformed", () => {
    const headers = createHeaders();
    headers.set("ce-specversion", "1.0");
    headers.set("ce-type", "test.note-recorded");
    headers.set("ce-source", "/x");
    const err = expectAppError(
      () => decodeCloudEvent(encoder.encode(JSON.stringify({ key: "b", amount: 5 })), headers),
      "event.malformed",
    );
    expect(err.message).toContain("id");
  });

  test("a binary event whose JSON data does not parse is malformed", () => {
    const headers = createHeaders();
    headers.set("ce-specversion", "1.0");
    headers.set("ce-type", "test.note-recorded");
    headers.set("ce-id", "evt-3");
    headers.set("ce-source", "/x");
    headers.set("content-type", "application/json");
    expectAppError(() => decodeCloudEvent(encoder.encode("{not json"), headers), "event.malformed");
  });
});

describe("refusals", () => {
  test("a payload that is not JSON is malformed", () => {
    const err = expectAppError(
      () => decodeEvent(registry, { data: encoder.encode("\u0000garbage") }),
      "event.malformed",
    );
    expect(err.message).toContain("not valid JSON");
  });

  test("a structured event without an id is malformed", () => {
    const payload = encoder.encode(
      JSON.stringify({ specversion: "1.0", source: "/x", type: "test.note-recorded", data: {} }),
    );
    const err = expectAppError(() => decodeEvent(registry, { data: payload }), "event.malformed");
    expect(err.message).toContain("id");
  });

  test("a structured event without specversion is malformed", () => {
    const payload = encoder.encode(
      JSON.stringify({ id: "e", source: "/x", type: "test.note-recorded", data: {} }),
    );
    const err = expectAppError(() => decodeEvent(registry, { data: payload }), "event.malformed");
    expect(err.message).toContain("specversion");
  });

  test("a type without a contract is refused as unknown", () => {
    const err = expectAppError(
      () => decodeEvent(registry, { data: structured({ type: "test.never-defined", data: {} }) }),
      "event.unknown-type",
    );
    expect(err.message).toContain("test.never-defined");
  });

  test("a known type at an unknown version is refused as not yet readable, not as malformed", () => {
    let caught: unknown;
    try {
      decodeEvent(registry, {
        data: structured({ type: "test.note-recorded", dataversion: 9, data: {} }),
      });
    } catch (err) {
      caught = err;
    }
    expect(isUnknownVersion(caught)).toBe(true);
    expect(caught).toMatchObject({ kind: "unavailable", code: "event.unknown-version" });
    expect((caught as Error).message).toContain("test.note-recorded v9");
    expect(isUnknownVersion(validationError("event.unknown-type", "x"))).toBe(false);
  });

  test("data that breaks the contract's schema is refused as invalid", () => {
    const err = expectAppError(
      () =>
        decodeEvent(registry, {
          data: structured({ type: "test.note-recorded", data: { key: "a", amount: "three" } }),
        }),
      "event.invalid-data",
    );
    expect(err.message).toContain("data.amount");
  });
});

describe("event time", () => {
  test("an event without time takes the given stored time", () => {
    const storedAt = new Date("2023-01-02T03:04:05.678Z");
    const event = decodeEvent(registry, {
      data: structured({ type: "test.note-recorded", data: { key: "a", amount: 1 } }),
      time: storedAt,
    });
    expect(event.time).toBe("2023-01-02T03:04:05.678Z");
  });

  test("an event with time keeps its own time", () => {
    const event = decodeEvent(registry, {
      data: structured({
        type: "test.note-recorded",
        time: "2020-01-01T00:00:00Z",
        data: { key: "a", amount: 1 },
      }),
      time: new Date("2023-01-02T03:04:05.678Z"),
    });
    expect(event.time).toBe("2020-01-01T00:00:00Z");
  });
});

describe("through a real broker", () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await ensureStream(await jetstreamManager(nc), TEST_STREAM);
  });

  afterAll(async () => {
    await nc?.close();
    await server?.cleanup();
  });

  async function publishAndReceive(
    subject: string,
    payload: Uint8Array,
    headers?: ReturnType<typeof createHeaders>,
  ): Promise<JsMsg> {
    const js = jetstream(nc);
    const ack = await js.publish(subject, payload, headers ? { headers } : {});
    const consumer = await js.consumers.get(TEST_STREAM.name, { filter_subjects: subject });
    const message = await consumer.next({ expires: 5_000 });
    if (!message) throw new Error(`no message on ${subject}`);
    expect(message.seq).toBe(ack.seq);
    return message;
  }

  test("an event published without time gets the broker's stored time", async () => {
    const message = await publishAndReceive(
      "test.codec.untimed",
      structured({ type: "test.note-recorded", data: { key: "a", amount: 1 } }),
    );
    const event = decodeEvent(registry, message);
    expect(event.time).toBe(message.time.toISOString());
    expect(Math.abs(Date.parse(event.time) - Date.now())).toBeLessThan(60_000);
  });

  test("binary-mode headers survive the broker and decode", async () => {
    const headers = createHeaders();
    headers.set("ce-specversion", "1.0");
    headers.set("ce-type", "test.note-recorded");
    headers.set("ce-id", "evt%20binary");
    headers.set("ce-source", "%2Fother%20producer");
    headers.set("content-type", "application/json; charset=utf-8");
    const message = await publishAndReceive(
      "test.codec.binary",
      encoder.encode(JSON.stringify({ key: "z", amount: 9 })),
      headers,
    );
    const event = decodeEvent(registry, message);
    expect(event).toMatchObject({
      id: "evt binary",
      source: "/other producer",
      data: { key: "z", amount: 9 },
    });
    expect(event.time).toBe(message.time.toISOString());
  });
});
