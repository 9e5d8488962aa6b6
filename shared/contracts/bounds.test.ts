import { describe, expect, test } from "bun:test";
import type { z } from "zod";
import { notificationEvents } from "./notifications.ts";
import { MAX_TOTAL_CENTS, orderEvents, orderPlaced } from "./orders.ts";
import { paymentEvents } from "./payments.ts";
import { userEvents, userRegistered } from "./users.ts";

/** The broker's default max_payload, less generous room for the CloudEvents envelope and headers. */
const MAX_DATA_BYTES = 1024 * 1024 - 64 * 1024;

type Def = {
  type: string;
  checks?: { _zod: { def: { check?: string; maximum?: number } } }[];
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  out?: z.ZodType;
  entries?: Record<string, unknown>;
  values?: unknown[];
};

const maxLength = (def: Def) =>
  def.checks?.map((c) => c._zod.def).find((c) => c.check === "max_length")?.maximum;

/**
 * The longest JSON text a schema accepts, in bytes (each character escaped as `\uXXXX`, the
 * worst case), or Infinity when a string or array in it has no maximum length.
 */
function worstCaseJsonBytes(schema: z.ZodType): number {
  const def = schema._zod.def as unknown as Def;
  switch (def.type) {
    case "string": {
      const max = maxLength(def);
      return max === undefined ? Number.POSITIVE_INFINITY : 2 + 6 * max;
    }
    case "number":
      return 24;
    case "boolean":
      return 5;
    case "enum":
      return Math.max(...Object.values(def.entries ?? {}).map((v) => JSON.stringify(v).length));
    case "literal":
      return Math.max(...(def.values ?? []).map((v) => JSON.stringify(v).length));
    case "optional":
    case "nullable":
      return Math.max(4, worstCaseJsonBytes(def.innerType as z.ZodType));
    case "pipe":
      return worstCaseJsonBytes(def.out as z.ZodType);
    case "array": {
      const max = maxLength(def);
      const element = worstCaseJsonBytes(def.element as z.ZodType);
      return max === undefined ? Number.POSITIVE_INFINITY : 2 + max * (element + 1);
    }
    case "object":
      return Object.entries(def.shape ?? {}).reduce(
        (sum, [key, value]) => sum + JSON.stringify(key).length + 2 + worstCaseJsonBytes(value),
        2,
      );
    default:
      throw new Error(`no worst case known for a ${def.type} schema: teach this test about it`);
  }
}

describe("event contracts of users, orders, payments and notifications", () => {
  const events = [...userEvents, ...orderEvents, ...paymentEvents, ...notificationEvents];

  test.each(events.map((e) => [e.type, e]))(
    "%s accepts no event too large for the broker",
    (_type, contract) => {
      expect(worstCaseJsonBytes(contract.schema)).toBeLessThan(MAX_DATA_BYTES);
    },
  );

  test("refuse a 1 MB email before anything is published", () => {
    const huge = { userId: "u-1", email: `${"a".repeat(1024 * 1024)}@example.com`, name: "Ada" };
    expect(userRegistered.schema.safeParse(huge).success).toBe(false);
    const longest = { ...huge, email: `${"a".repeat(242)}@example.com` };
    expect(longest.email).toHaveLength(254);
    expect(userRegistered.schema.safeParse(longest).success).toBe(true);
  });

  test("refuse an order total a card processor would not charge", () => {
    const order = {
      orderId: "o-1",
      userId: "u-1",
      items: [{ sku: "gold", quantity: 2, unitPriceCents: 1_000_000_000 }],
      totalCents: 2_000_000_000,
      paymentMethod: "visa",
    };
    expect(orderPlaced.schema.safeParse(order).success).toBe(false);
    expect(orderPlaced.schema.safeParse({ ...order, totalCents: MAX_TOTAL_CENTS }).success).toBe(
      true,
    );
  });
});
