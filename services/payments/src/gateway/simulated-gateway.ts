import { createHash } from "node:crypto";
import type {
  CaptureRequest,
  CaptureResult,
  PaymentGateway,
  RefundRequest,
} from "./payment-gateway.ts";

export interface SimulatedGatewayOptions {
  /** Amounts above this are declined (`amount_over_limit`). */
  limitCents: number;
  /** Payment methods that are always declined (`card_declined`). */
  declinedMethods: readonly string[];
}

/** A simulated gateway that also lets tests see what it charged and refunded. */
export interface SimulatedGateway extends PaymentGateway {
  charges(): readonly (CaptureRequest & { paymentId: string })[];
  refunds(): readonly (RefundRequest & { refundId: string })[];
}

const idFor = (prefix: string, key: string) =>
  `${prefix}_${createHash("sha256").update(key).digest("hex").slice(0, 24)}`;

/**
 * An in-process stand-in for a card gateway. Like a real one it remembers every answer by
 * idempotency key: asking again returns the first answer and never charges or refunds twice.
 * Ids are derived from the key and the outcome only from the request and the options, so
 * even after a restart (which forgets the memory) the same key gets the same answer.
 */
export function createSimulatedGateway({
  limitCents,
  declinedMethods,
}: SimulatedGatewayOptions): SimulatedGateway {
  const declined = new Set(declinedMethods);
  const captures = new Map<string, CaptureResult>();
  const charges: (CaptureRequest & { paymentId: string })[] = [];
  const refunds = new Map<string, RefundRequest & { refundId: string }>();

  function decideCapture(request: CaptureRequest): CaptureResult {
    if (declined.has(request.paymentMethod)) return { status: "declined", reason: "card_declined" };
    if (request.amountCents > limitCents)
      return { status: "declined", reason: "amount_over_limit" };
    const paymentId = idFor("pay", request.idempotencyKey);
    charges.push({ ...request, paymentId });
    return { status: "captured", paymentId };
  }

  return {
    async capture(request) {
      let result = captures.get(request.idempotencyKey);
      if (!result) {
        result = decideCapture(request);
        captures.set(request.idempotencyKey, result);
      }
      return result;
    },
    async findCharge(idempotencyKey) {
      const charge = charges.find((c) => c.idempotencyKey === idempotencyKey);
      return charge && { paymentId: charge.paymentId, amountCents: charge.amountCents };
    },
    async refund(request) {
      let refund = refunds.get(request.idempotencyKey);
      if (!refund) {
        refund = { ...request, refundId: idFor("re", request.idempotencyKey) };
        refunds.set(request.idempotencyKey, refund);
      }
      return { refundId: refund.refundId };
    },
    charges: () => [...charges],
    refunds: () => [...refunds.values()],
  };
}
