import type { Random } from "./random.ts";

/** One message as `nats pub` would send it: a subject, raw bytes, maybe headers. */
export interface FuzzMessage {
  subject: string;
  payload: Uint8Array;
  headers?: Record<string, string>;
  kind: string;
}

/** Live ids to aim at: a poison message on a live aggregate's subject must not stop it. */
export interface EventTargets {
  skus: readonly string[];
  orders: () => readonly string[];
  /** False: only made-up ids (every message lands beside the live aggregates, never on them). */
  live: boolean;
}

const encoder = new TextEncoder();
const text = (value: string) => encoder.encode(value);

/** A valid payload of each event type, the starting point of "valid-looking, wrong data". */
const SAMPLES: Record<string, Record<string, unknown>> = {
  "user.registered": { userId: "u1", email: "a@example.com", name: "A" },
  "order.placed": {
    orderId: "o1",
    userId: "u1",
    items: [{ sku: "s1", quantity: 1, unitPriceCents: 100 }],
    totalCents: 100,
    paymentMethod: "visa",
  },
  "order.confirmed": { orderId: "o1", userId: "u1", totalCents: 100 },
  "order.cancelled": { orderId: "o1", userId: "u1", reason: "timeout" },
  "product.defined": { sku: "s1", name: "S", priceCents: 100 },
  "stock.restocked": { sku: "s1", quantity: 5 },
  "stock.reserved": { orderId: "o1", items: [{ sku: "s1", quantity: 1 }] },
  "stock.rejected": { orderId: "o1", shortages: [{ sku: "s1", requested: 2, available: 1 }] },
  "stock.released": { orderId: "o1", items: [{ sku: "s1", quantity: 1 }] },
  "stock.committed": { orderId: "o1", items: [{ sku: "s1", quantity: 1 }] },
  "stock.held": { sku: "s1", orderId: "o1", quantity: 1 },
  "stock.unheld": { sku: "s1", orderId: "o1", quantity: 1 },
  "stock.sold": { sku: "s1", orderId: "o1", quantity: 1 },
  "payment.captured": { orderId: "o1", userId: "u1", amountCents: 100, paymentId: "p1" },
  "payment.declined": { orderId: "o1", userId: "u1", amountCents: 100, reason: "card_declined" },
  "payment.refunded": { orderId: "o1", userId: "u1", amountCents: 100, paymentId: "p1" },
  "payment.voided": { orderId: "o1", userId: "u1" },
  "notification.recorded": {
    notificationId: "n1",
    userId: "u1",
    channel: "email",
    template: "welcome",
    recipient: "a@example.com",
  },
  "notification.delivered": { notificationId: "n1", sender: "log" },
};
export const KNOWN_TYPES = Object.keys(SAMPLES);

const TYPES_OF: Record<string, string[]> = {
  users: ["user.registered"],
  orders: ["order.placed", "order.confirmed", "order.cancelled"],
  inventory: KNOWN_TYPES.filter((t) => t.startsWith("stock.") || t.startsWith("product.")),
  payments: KNOWN_TYPES.filter((t) => t.startsWith("payment.")),
  notifications: ["notification.recorded", "notification.delivered"],
};

const WRONG = [12345, -1, "12", "", null, [], {}, "x".repeat(10_000), Number.MAX_VALUE, true];

/** The data of `type`, broken in one way (the caller checks it really is invalid). */
function wrongData(type: string, random: Random): unknown {
  const data = structuredClone(SAMPLES[type] ?? {}) as Record<string, unknown>;
  const field = random.pick(Object.keys(data));
  if (random.chance(0.3)) delete data[field];
  else data[field] = random.pick(WRONG);
  return random.chance(0.1) ? random.pick([null, "data", [data]]) : data;
}

function envelope(
  type: string,
  data: unknown,
  random: Random,
  extra: Record<string, unknown> = {},
) {
  return {
    specversion: "1.0",
    id: `fz-${random.int(0, 1e12)}`,
    source: "/chaos/fuzz",
    type,
    data,
    ...extra,
  };
}

/** A subject of one stream family: usually a made-up id, sometimes a live order or sku. */
export function fuzzSubject(t: EventTargets, random: Random, aimAtLive: boolean) {
  const live = aimAtLive && t.live;
  const orders = t.orders();
  // Mostly the newest orders: poison that lands while their saga is still running tests the most.
  const pools = { newest: orders.slice(-2), recent: orders.slice(-20), any: orders };
  const pool = pools[random.weighted({ newest: 5, recent: 2, any: 3 })];
  const liveOrder = orders.length === 0 ? "fz-none" : random.pick(pool);
  const fresh = random.pick([`fz${random.int(0, 1e9)}`, "ü", "🦄", "-", "x".repeat(200)]);
  const id = live ? liveOrder : fresh;
  const family = random.pick(["users", "orders", "inventory", "payments", "notifications"]);
  const subject = {
    users: `users.${fresh}`,
    orders: `orders.${id}`,
    inventory: random.pick([
      `inventory.sku.${live ? random.pick(t.skus) : fresh}`,
      `inventory.order.${id}`,
      "inventory.stock",
      `inventory.${fresh}.${fresh}`,
    ]),
    payments: `payments.${id}`,
    notifications: `notifications.${fresh}`,
  }[family] as string;
  return { family, subject };
}

/** True when `subject` is a live order's or sku's (one of its tokens names one). */
export function isLiveSubject(t: EventTargets, subject: string): boolean {
  const orders = t.orders();
  return subject.split(".").some((token) => t.skus.includes(token) || orders.includes(token));
}

/** A small poison message (the caller adds the large ones, see `largeMessage`). */
export function smallMessage(t: EventTargets, random: Random): FuzzMessage {
  const kind = random.weighted({
    garbage: 15,
    "not-an-event": 15,
    "wrong-data": 30,
    "bad-envelope": 10,
    "unknown-type": 8,
    binary: 15,
    "lying-header": 5,
    medium: 2,
  });
  const { family, subject: aggregate } = fuzzSubject(
    t,
    random,
    kind !== "unknown-type" && random.chance(0.3),
  );
  const type = random.pick(TYPES_OF[family] as string[]);
  const unknownType = random.pick(["order.shipped", "x.y", "user.deleted"]);
  // Stored where events go (`<aggregate>.<type>`), now and then under another type than its own.
  const subject = `${aggregate}.${kind === "unknown-type" ? unknownType : random.chance(0.9) ? type : random.pick(TYPES_OF[family] as string[])}`;
  const json = (value: unknown) => text(JSON.stringify(value));
  switch (kind) {
    case "garbage":
      return {
        subject,
        kind,
        payload: crypto.getRandomValues(new Uint8Array(random.int(0, 2_048))),
      };
    case "not-an-event":
      return {
        subject,
        kind,
        payload: text(
          random.pick([
            "",
            "not json",
            "null",
            "[]",
            "{}",
            "123",
            '"s"',
            "{",
            `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
          ]),
        ),
      };
    case "wrong-data":
      return { subject, kind, payload: json(envelope(type, wrongData(type, random), random)) };
    case "bad-envelope": {
      const event: Record<string, unknown> = envelope(type, SAMPLES[type], random);
      const field = random.pick(["specversion", "id", "source", "type"]);
      if (random.chance(0.5)) delete event[field];
      else event[field] = random.pick([0, "", "0.3", null, ["x"]]);
      return { subject, kind, payload: json(event) };
    }
    case "unknown-type":
      return {
        subject,
        kind,
        payload: json(envelope(unknownType, {}, random)),
      };
    case "binary": {
      const headers: Record<string, string> = {
        "ce-specversion": "1.0",
        "ce-id": random.pick([`fz-${random.int(0, 1e9)}`, "%ZZ", ""]),
        "ce-source": "/chaos/fuzz",
        "ce-type": random.pick([type, type, "%E0%A4%A", "no.such-type"]),
        "content-type": random.pick(["application/json", "text/plain", "application/octet-stream"]),
      };
      if (random.chance(0.2)) delete headers["ce-type"];
      return { subject, kind, headers, payload: json(wrongData(type, random)) };
    }
    case "lying-header":
      return {
        subject,
        kind,
        headers: {
          "ce-type": type,
          "content-type": "application/cloudevents+json",
          "Nats-Msg-Id": "fz-dup",
        },
        payload: crypto.getRandomValues(new Uint8Array(64)),
      };
    default:
      return {
        subject,
        kind,
        payload: json(
          envelope(
            type,
            { ...SAMPLES[type], name: "n".repeat(random.int(2_000, 64_000)), quantity: -1 },
            random,
          ),
        ),
      };
  }
}

/**
 * The i-th large message (100 kB to ~1 MB). The first two are the ones that once wedged the
 * shop: 400 kB of 0xFF on a sku's subject and 600 kB of `"` on a live order's subject.
 */
export function largeMessage(t: EventTargets, random: Random, i: number): FuzzMessage {
  const size = i < 2 ? ([400_000, 600_000][i] as number) : random.int(100_000, 1_000_000);
  const target = fuzzSubject(t, random, i === 1 || random.chance(0.3));
  const subject = `${target.subject}.${random.pick(TYPES_OF[target.family] as string[])}`;
  if (i === 0)
    return {
      subject: "inventory.sku.fz-large.stock.restocked",
      kind: "large-0xff",
      payload: new Uint8Array(size).fill(0xff),
    };
  if (i === 1) return { subject, kind: "large-quotes", payload: new Uint8Array(size).fill(0x22) };
  const shape = random.pick(["0xff", "quotes", "random", "event"]);
  if (shape === "event") {
    const event = envelope(
      "product.defined",
      { sku: "s1", name: "n".repeat(size), priceCents: 1 },
      random,
    );
    return { subject, kind: "large-event", payload: text(JSON.stringify(event)) };
  }
  const payload =
    shape === "random"
      ? new Uint8Array(size).map(() => random.int(0, 255))
      : new Uint8Array(size).fill(shape === "0xff" ? 0xff : 0x22);
  return { subject, kind: `large-${shape}`, payload };
}
