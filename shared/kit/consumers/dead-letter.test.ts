import { describe, expect, test } from "bun:test";
import { headers as createHeaders } from "@nats-io/nats-core";
import {
  createDeadLetter,
  HEADERS_EXCERPT_CHARS,
  MAX_DEAD_LETTER_BYTES,
  PAYLOAD_EXCERPT_BYTES,
} from "./dead-letter.ts";

const details = {
  stream: "ORDERS",
  consumer: "inventory-on-orders",
  reason: "payload is not valid JSON",
  code: "event.malformed",
  deliveries: 1,
};
const sizeOf = (json: string) => new TextEncoder().encode(json).length;

describe("dead letters", () => {
  test("keep a small message whole, with its headers", () => {
    const headers = createHeaders();
    headers.set("ce-id", "evt-1");
    headers.set("ce-type", "order.placed");
    const data = new TextEncoder().encode('{"hello":"world"}');
    const { letter } = createDeadLetter({ subject: "orders.o1", seq: 42, data, headers }, details);
    expect(letter).toMatchObject({
      ...details,
      subject: "orders.o1",
      streamSequence: 42,
      payload: '{"hello":"world"}',
      payloadBytes: data.length,
      payloadTruncated: false,
      headers: { "ce-id": ["evt-1"], "ce-type": ["order.placed"] },
      headersTruncated: false,
    });
  });

  test.each([
    ["0xFF bytes (each decodes to a 3-byte replacement character)", 0xff],
    ['double quotes (each escaped as \\")', 0x22],
    ["NUL bytes (each escaped as \\u0000)", 0x00],
  ])("of a huge message of %s stay a bounded excerpt that refers to the original", (_, byte) => {
    const data = new Uint8Array(600_000).fill(byte);
    const headers = createHeaders();
    headers.set("ce-id", "x".repeat(100_000));
    headers.set("x-padding", String.fromCharCode(byte === 0xff ? 0x7f : byte).repeat(50_000));
    const { letter, json } = createDeadLetter(
      { subject: "inventory.stock", seq: 7, data, headers },
      { ...details, reason: "r".repeat(50_000) },
    );
    expect(sizeOf(json)).toBeLessThanOrEqual(MAX_DEAD_LETTER_BYTES);
    expect(letter).toMatchObject({
      streamSequence: 7,
      subject: "inventory.stock",
      payloadBytes: 600_000,
      payloadTruncated: true,
      headersTruncated: true,
    });
    expect(letter.payload.length).toBeGreaterThan(0);
    expect(letter.payload.length).toBeLessThanOrEqual(PAYLOAD_EXCERPT_BYTES);
    expect(JSON.stringify(letter.headers).length).toBeLessThan(2 * HEADERS_EXCERPT_CHARS);
    expect(letter.reason.length).toBeLessThanOrEqual(1_025);
  });
});
