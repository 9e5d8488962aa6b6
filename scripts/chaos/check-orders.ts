import type { AcceptedOrder } from "./chaos-context.ts";
import type { Facts, OrderFacts } from "./fold.ts";
import type { ViolationLog } from "./violations.ts";

export interface OrderCheckInput {
  facts: Facts;
  accepted: ReadonlyMap<string, AcceptedOrder>;
  /** When the last fault was over (its target back); orders settle within `terminalWithinMs` of it. */
  lastFaultEnd: number;
  terminalWithinMs: number;
}

const outcomeOf = (o: OrderFacts) => {
  const t = o.terminals[0];
  if (!t) return "pending";
  return t.type === "order.confirmed" ? "confirmed" : `cancelled:${t.reason}`;
};

/** What the client's intent allows the order to end as (undefined: any terminal state). */
function allowedOutcomes(order: AcceptedOrder): string[] | undefined {
  switch (order.intent) {
    case "paid":
      return ["confirmed", "cancelled:out_of_stock"];
    case "declined":
      return ["cancelled:payment_declined", "cancelled:out_of_stock"];
    case "out-of-stock":
      return ["cancelled:out_of_stock"];
    case "canary":
      return ["confirmed"];
    case "customer-cancel": {
      const status = order.cancel?.status;
      if (status === 200 || status === 202) return ["cancelled:customer_cancelled"];
      if (status === 409)
        return ["confirmed", "cancelled:out_of_stock", "cancelled:payment_declined"];
      return undefined;
    }
    case "fuzz":
      return undefined;
  }
}

/**
 * Every accepted order is stored, ends exactly once (confirmed or cancelled) within the bound
 * after the last fault, and ends as its client's intent allows; an order's stock is held,
 * sold or released consistently with how it ended.
 */
export function checkOrders(input: OrderCheckInput, violations: ViolationLog): void {
  const { facts } = input;
  for (const order of input.accepted.values()) {
    const o = facts.orders.get(order.orderId);
    if (!o?.placed) {
      violations.add(
        "accepted-order-stored",
        order.orderId,
        `accepted (202, ${order.intent}) but no order.placed in ORDERS`,
      );
      continue;
    }
    const first = o.terminals[0];
    const deadline = Math.max(input.lastFaultEnd, order.acceptedAt) + input.terminalWithinMs;
    if (!first) {
      violations.add(
        "order-terminal",
        order.orderId,
        `still pending (${order.intent}, accepted ${new Date(order.acceptedAt).toISOString()}, last fault over ${new Date(input.lastFaultEnd).toISOString()})`,
      );
    } else if (first.time.getTime() > deadline) {
      violations.add(
        "order-terminal",
        order.orderId,
        `${first.type} stored ${Math.round((first.time.getTime() - deadline) / 1000)} s past its deadline ${new Date(deadline).toISOString()}`,
      );
    }
    const allowed = allowedOutcomes(order);
    const outcome = outcomeOf(o);
    // The HTTP fuzzer cancels live orders too (its request ids start with fz-): not the client's doing.
    const cancelledByFuzz = first?.reason === "customer_cancelled" && first.by.startsWith("fz-");
    if (first && allowed && !cancelledByFuzz && !allowed.includes(outcome))
      violations.add(
        "order-outcome",
        order.orderId,
        `intent ${order.intent} (cancel answer ${order.cancel?.status ?? "none"} ${order.cancel?.code ?? ""}) ended ${outcome}; allowed: ${allowed.join(", ")}`,
      );
  }
  for (const [orderId, o] of facts.orders) {
    if (o.terminals.length > 1)
      violations.add(
        "order-settled-once",
        orderId,
        `terminal events ${o.terminals.map((t) => `${t.type}${t.reason ? `(${t.reason})` : ""}@${t.seq}`).join(", ")}`,
      );
    if (o.placed) checkOrderStock(orderId, o, facts, violations);
  }
  for (const [orderId, s] of facts.orderStock)
    if (!facts.orders.get(orderId)?.placed && (s.held > 0 || s.answers.length > 0))
      violations.add(
        "stock-for-a-placed-order",
        orderId,
        `no order.placed, yet answers [${s.answers.join(", ")}] and ${s.held} units held`,
      );
}

function checkOrderStock(orderId: string, o: OrderFacts, facts: Facts, violations: ViolationLog) {
  const s = facts.orderStock.get(orderId);
  const outcome = outcomeOf(o);
  const answers = s?.answers ?? [];
  const count = (type: string) => answers.filter((a) => a === type).length;
  const what = () =>
    `answers [${answers.join(", ")}], held ${s?.held ?? 0}, unheld ${s?.unheld ?? 0}, sold ${s?.sold ?? 0}, order ${outcome}`;
  if (count("stock.reserved") + count("stock.rejected") > 1)
    violations.add("stock-answered-once", orderId, what());
  if (
    count("stock.committed") > 1 ||
    count("stock.released") > 1 ||
    (count("stock.committed") && count("stock.released"))
  )
    violations.add("stock-settled-once", orderId, what());
  if (!s) return;
  if (count("stock.reserved") === 1 && s.held !== s.reservedUnits)
    violations.add(
      "stock-held-as-reserved",
      orderId,
      `reserved ${s.reservedUnits} units but held ${s.held}; ${what()}`,
    );
  if (count("stock.reserved") === 0 && s.held > 0)
    violations.add(
      "stock-held-as-reserved",
      orderId,
      `units held without stock.reserved; ${what()}`,
    );
  if (outcome === "pending") return;
  if (s.held - s.unheld - s.sold !== 0)
    violations.add(
      "stock-reserved-zero",
      `order ${orderId}`,
      `still holds ${s.held - s.unheld - s.sold} units; ${what()}`,
    );
  if (outcome === "confirmed" && (count("stock.committed") !== 1 || s.sold !== s.held))
    violations.add("stock-committed-if-confirmed", orderId, what());
  if (outcome.startsWith("cancelled") && (s.sold > 0 || count("stock.committed") > 0))
    violations.add(
      "stock-released-if-cancelled",
      orderId,
      `sold stock of a cancelled order; ${what()}`,
    );
}
