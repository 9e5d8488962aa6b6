import { describe, expect, test } from "bun:test";
import type { JsMsg } from "@nats-io/jetstream";
import { headers as createHeaders } from "@nats-io/nats-core";
import { unavailable } from "../errors/app-error.ts";
import { encodeEvent } from "../events/codec.ts";
import type { ContractRegistry } from "../events/event-contract.ts";
import { noteRecorded, testRegistry } from "../fixtures/test-events.ts";
import { createMessageSelector } from "./select-message.ts";

const encoder = new TextEncoder();

/** Just what the selector reads of a message. */
const messageOf = (data: Uint8Array | string, headers?: Record<string, string>) => {
  const h = createHeaders();
  for (const [key, value] of Object.entries(headers ?? {})) h.set(key, value);
  return {
    subject: "test.select.k",
    seq: 1,
    data: typeof data === "string" ? encoder.encode(data) : data,
    headers: headers ? h : undefined,
  } as unknown as JsMsg;
};

const note = encodeEvent({
  id: "e1",
  type: noteRecorded.type,
  source: "/select-test",
  time: "2026-01-01T00:00:00Z",
  version: 1,
  correlationId: "e1",
  data: { key: "k", amount: 1 },
});
const noteHeaders = Object.fromEntries([...note.headers].map(([k, v]) => [k, v[0] as string]));

const refusingRegistry: ContractRegistry = {
  get: () => {
    throw new Error("the registry must not be consulted");
  },
  all: () => [],
};

describe("createMessageSelector", () => {
  test("skips a message whose ce-type has no handler without reading its payload", () => {
    const select = createMessageSelector(refusingRegistry, new Set([noteRecorded.type]));
    const selected = select(messageOf("%%% not json", { "ce-type": "other.type" }));
    expect(selected.kind).toBe("skip");
  });

  test("decodes a handled type into its envelope", () => {
    const select = createMessageSelector(testRegistry, new Set([noteRecorded.type]));
    const selected = select(messageOf(note.payload, noteHeaders));
    expect(selected.kind).toBe("apply");
    if (selected.kind === "apply")
      expect(selected.event).toMatchObject({ id: "e1", data: { key: "k", amount: 1 } });
  });

  test("decodes a message without ce-type, then skips it if its type has no handler", () => {
    const select = createMessageSelector(testRegistry, new Set(["another.type"]));
    expect(select(messageOf(note.payload)).kind).toBe("skip");
  });

  test("rejects what cannot be a valid event, with the reason", () => {
    const select = createMessageSelector(testRegistry, new Set([noteRecorded.type]));
    const selected = select(messageOf("%%% not json"));
    expect(selected.kind).toBe("reject");
    if (selected.kind === "reject") expect(selected.error.code).toBe("event.malformed");
  });

  test("throws an unavailable error (not now) rather than rejecting the event", () => {
    const notYet: ContractRegistry = {
      get: () => {
        throw unavailable("event.unknown-version", "not a version this code knows");
      },
      all: () => [],
    };
    const select = createMessageSelector(notYet, new Set([noteRecorded.type]));
    expect(() => select(messageOf(note.payload, noteHeaders))).toThrow(
      "not a version this code knows",
    );
  });
});
