import type { AcceptedOrder } from "./chaos-context.ts";
import type { Facts } from "./fold.ts";
import type { ViolationLog } from "./violations.ts";

/** A charge as the card gateway lists it (GET /charges). */
export interface GatewayCharge {
  idempotencyKey: string;
  status: "captured" | "declined";
  amountCents: number;
  refundedCents: number;
}

/**
 * At most one capture per order, of the order's total; a confirmed order is captured and not
 * refunded; a cancelled order that was captured is refunded in full; a declined card is never
 * captured. With the card gateway's ledger: every charge it took for an order is known to the
 * PAYMENTS stream (or was given back), and every recorded capture and refund is in its ledger.
 */
export function checkPayments(
  facts: Facts,
  accepted: ReadonlyMap<string, AcceptedOrder>,
  gatewayCharges: GatewayCharge[] | undefined,
  violations: ViolationLog,
): void {
  for (const [orderId, p] of facts.payments) {
    const order = facts.orders.get(orderId);
    const first = order?.terminals[0];
    const what = `captures ${p.captures.length}, refunds ${p.refunds.length}, declines ${p.declines}, voids ${p.voids}, order ${first?.type ?? "pending"}${first?.reason ? `(${first.reason})` : ""}`;
    if (p.captures.length > 1) violations.add("capture-at-most-once", orderId, what);
    if (p.refunds.length > 1) violations.add("refund-at-most-once", orderId, what);
    if (p.refunds.length > 0 && p.captures.length === 0)
      violations.add("refund-of-a-capture", orderId, what);
    const capture = p.captures[0];
    if (capture && order?.placed && capture.amountCents !== order.placed.totalCents)
      violations.add(
        "capture-of-the-total",
        orderId,
        `captured ${capture.amountCents}, order total ${order.placed.totalCents}`,
      );
    if (capture && first?.type === "order.cancelled") {
      const refunded = p.refunds.reduce((n, r) => n + r.amountCents, 0);
      if (refunded !== capture.amountCents)
        violations.add(
          "refund-for-cancelled-capture",
          orderId,
          `${what}; captured ${capture.amountCents}, refunded ${refunded}`,
        );
    }
    if (first?.type === "order.confirmed" && p.refunds.length > 0)
      violations.add("confirmed-not-refunded", orderId, what);
    if (capture && accepted.get(orderId)?.intent === "declined")
      violations.add("declined-card-not-captured", orderId, what);
  }
  for (const [orderId, o] of facts.orders) {
    if (
      o.terminals[0]?.type === "order.confirmed" &&
      (facts.payments.get(orderId)?.captures.length ?? 0) !== 1
    )
      violations.add(
        "confirmed-is-captured",
        orderId,
        `confirmed with ${facts.payments.get(orderId)?.captures.length ?? 0} captures`,
      );
  }
  if (gatewayCharges) checkGateway(facts, gatewayCharges, violations);
}

function checkGateway(facts: Facts, charges: GatewayCharge[], violations: ViolationLog) {
  const byKey = new Map(charges.map((c) => [c.idempotencyKey, c]));
  for (const charge of charges) {
    const orderId = charge.idempotencyKey;
    if (!facts.orders.has(orderId) || charge.status !== "captured") continue;
    const p = facts.payments.get(orderId);
    const givenBack = charge.refundedCents >= charge.amountCents;
    if (!p?.captures.length && !givenBack)
      violations.add(
        "gateway-charge-recorded",
        orderId,
        `the gateway captured ${charge.amountCents} (refunded ${charge.refundedCents}) but PAYMENTS has no payment.captured`,
      );
    const cancelled = facts.orders.get(orderId)?.terminals[0]?.type === "order.cancelled";
    if (cancelled && !givenBack)
      violations.add(
        "gateway-refund-for-cancelled",
        orderId,
        `order cancelled; the gateway captured ${charge.amountCents} and refunded ${charge.refundedCents}`,
      );
  }
  for (const [orderId, p] of facts.payments) {
    if (p.captures.length === 0) continue;
    // An order with nothing to pay is captured without asking the gateway (it refuses zero).
    if (p.captures.every((c) => c.amountCents === 0 && c.paymentId === "free")) continue;
    const charge = byKey.get(orderId);
    if (charge?.status !== "captured")
      violations.add(
        "capture-is-a-gateway-charge",
        orderId,
        `payment.captured in PAYMENTS, gateway charge: ${charge ? charge.status : "none"}`,
      );
  }
}
