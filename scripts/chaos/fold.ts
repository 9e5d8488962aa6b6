import type { EventEnvelope } from "@shop/shared/kit";
import type { StoredMessage } from "./stream-reader.ts";

/** The facts the streams hold, folded by the checker itself (not by any service). */
export interface OrderFacts {
  placed?: { userId: string; totalCents: number; paymentMethod: string; time: Date };
  /** `by`: the correlation id, i.e. the request id of the command that caused it. */
  terminals: { type: string; reason?: string; time: Date; seq: number; by: string }[];
}
export interface SkuFacts {
  defined: boolean;
  restocked: number;
  held: number;
  unheld: number;
  sold: number;
  /** Lowest available and reserved seen while folding: below 0 means oversold. */
  minAvailable: number;
  minReserved: number;
}
export interface OrderStockFacts {
  answers: string[];
  reservedUnits: number;
  held: number;
  unheld: number;
  sold: number;
}
export interface PaymentFacts {
  captures: { amountCents: number; paymentId: string }[];
  refunds: { amountCents: number }[];
  declines: number;
  voids: number;
  /** The latest fact, as the payments read model shows it. */
  last?: { status: string; amountCents: number | null };
}
export interface Facts {
  orders: Map<string, OrderFacts>;
  skus: Map<string, SkuFacts>;
  orderStock: Map<string, OrderStockFacts>;
  payments: Map<string, PaymentFacts>;
  /** notification.recorded per `<orderId or user:userId>|<template>`. */
  notifications: Map<string, number>;
  notificationsPerUser: Map<string, number>;
  /** user.registered per stored subject (one email each). */
  registrations: Map<string, number>;
  /** Event ids stored more than once in a stream. */
  duplicates: { stream: string; id: string; type: string; seqs: number[] }[];
  /** Correlation ids (the HTTP request ids of the commands) of every stored event. */
  correlations: Map<string, { stream: string; seq: number; type: string }>;
}

const sum = (items: { quantity: number }[]) => items.reduce((n, i) => n + i.quantity, 0);

export function emptyFacts(): Facts {
  return {
    orders: new Map(),
    skus: new Map(),
    orderStock: new Map(),
    payments: new Map(),
    notifications: new Map(),
    notificationsPerUser: new Map(),
    registrations: new Map(),
    duplicates: [],
    correlations: new Map(),
  };
}

const entry = <V>(map: Map<string, V>, key: string, make: () => V): V => {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
};

function apply(facts: Facts, e: EventEnvelope, m: StoredMessage) {
  const d = e.data as any;
  const order = () => entry(facts.orders, d.orderId, () => ({ terminals: [] }));
  const sku = () =>
    entry(facts.skus, d.sku, () => ({
      defined: false,
      restocked: 0,
      held: 0,
      unheld: 0,
      sold: 0,
      minAvailable: 0,
      minReserved: 0,
    }));
  const stock = () =>
    entry(facts.orderStock, d.orderId, () => ({
      answers: [],
      reservedUnits: 0,
      held: 0,
      unheld: 0,
      sold: 0,
    }));
  const payment = () =>
    entry(facts.payments, d.orderId, () => ({ captures: [], refunds: [], declines: 0, voids: 0 }));
  switch (e.type) {
    case "order.placed":
      order().placed = {
        userId: d.userId,
        totalCents: d.totalCents,
        paymentMethod: d.paymentMethod,
        time: m.time,
      };
      break;
    case "order.confirmed":
    case "order.cancelled":
      order().terminals.push({
        type: e.type,
        reason: d.reason,
        time: m.time,
        seq: m.seq,
        by: e.correlationId,
      });
      break;
    case "product.defined":
      sku().defined = true;
      break;
    case "stock.restocked":
      sku().restocked += d.quantity;
      break;
    case "stock.held":
      sku().held += d.quantity;
      stock().held += d.quantity;
      break;
    case "stock.unheld":
      sku().unheld += d.quantity;
      stock().unheld += d.quantity;
      break;
    case "stock.sold":
      sku().sold += d.quantity;
      stock().sold += d.quantity;
      break;
    case "stock.reserved":
      stock().answers.push(e.type);
      stock().reservedUnits += sum(d.items);
      break;
    case "stock.rejected":
    case "stock.released":
    case "stock.committed":
      stock().answers.push(e.type);
      break;
    case "payment.captured":
      payment().captures.push({ amountCents: d.amountCents, paymentId: d.paymentId });
      break;
    case "payment.refunded":
      payment().refunds.push({ amountCents: d.amountCents });
      break;
    case "payment.declined":
      payment().declines += 1;
      break;
    case "payment.voided":
      payment().voids += 1;
      break;
    case "notification.recorded": {
      const key = `${d.orderId ?? `user:${d.userId}`}|${d.template}`;
      facts.notifications.set(key, (facts.notifications.get(key) ?? 0) + 1);
      facts.notificationsPerUser.set(d.userId, (facts.notificationsPerUser.get(d.userId) ?? 0) + 1);
      break;
    }
    case "user.registered":
      facts.registrations.set(m.subject, (facts.registrations.get(m.subject) ?? 0) + 1);
      break;
  }
  if (e.type.startsWith("payment.")) {
    const status = e.type.slice("payment.".length);
    payment().last = { status, amountCents: d.amountCents ?? null };
  }
  if (e.type.startsWith("stock.") && d.sku !== undefined) {
    const s = sku();
    s.minAvailable = Math.min(s.minAvailable, s.restocked - s.held + s.unheld);
    s.minReserved = Math.min(s.minReserved, s.held - s.unheld - s.sold);
  }
}

/**
 * Folds the decoded events of each stream, in stream order. An event id seen before in the
 * same stream is recorded as a duplicate and not folded again (consumers and projections
 * dedupe by event id); messages the shop cannot decode are skipped, as it skips them.
 */
export function foldStreams(streams: Record<string, StoredMessage[]>): Facts {
  const facts = emptyFacts();
  for (const [stream, messages] of Object.entries(streams)) {
    const seen = new Map<string, number[]>();
    for (const m of messages) {
      const e = m.event;
      if (!e) continue;
      const seqs = seen.get(e.id);
      if (seqs) {
        seqs.push(m.seq);
        if (seqs.length === 2) facts.duplicates.push({ stream, id: e.id, type: e.type, seqs });
        continue;
      }
      seen.set(e.id, [m.seq]);
      if (!facts.correlations.has(e.correlationId))
        facts.correlations.set(e.correlationId, { stream, seq: m.seq, type: e.type });
      apply(facts, e, m);
    }
  }
  return facts;
}
