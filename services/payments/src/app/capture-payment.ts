import { subjects } from "@shop/shared/contracts";
import { type CommandMeta, unavailable } from "@shop/shared/kit";
import { FREE_PAYMENT_ID, gatewayKeys, type PaymentDeps } from "./payment-deps.ts";

/**
 * Charges an order whose stock is reserved, once. Does nothing when the order's payment is
 * already settled, voided included: a cancelled order is never charged. The order id is the
 * gateway's idempotency key, so a retry after a failed append gets the same answer and no
 * second charge. The order's own events are read first: an order already cancelled is
 * voided instead of charged. Throws AppError `unavailable` (`payment.order-unknown`) when
 * the order has no `order.placed` (not expected, since stock is reserved only after it).
 */
export async function capturePayment(deps: PaymentDeps, orderId: string, meta: CommandMeta) {
  const subject = subjects.payment(orderId);
  const { state } = await deps.payments.load(subject);
  if (state.status !== "none") return;
  const terms = await deps.readOrder(orderId);
  if (!terms)
    throw unavailable(
      "payment.order-unknown",
      `order ${orderId} has stock reserved but no order.placed`,
    );
  if (terms.cancelled) {
    await deps.payments.handle(subject, { type: "Void", orderId, userId: terms.userId }, meta);
    return;
  }

  const { userId, totalCents: amountCents, paymentMethod } = terms;
  if (amountCents === 0) {
    // Nothing to charge (free items): a card processor refuses a zero amount, so none is asked.
    await deps.payments.handle(
      subject,
      { type: "RecordCapture", orderId, userId, amountCents, paymentId: FREE_PAYMENT_ID },
      meta,
    );
    return;
  }
  const outcome = await deps.gateway.capture({
    idempotencyKey: gatewayKeys.capture(orderId),
    amountCents,
    paymentMethod,
  });
  if (outcome.status === "declined") {
    await deps.payments.handle(
      subject,
      { type: "RecordDecline", orderId, userId, amountCents, reason: outcome.reason },
      meta,
    );
    return;
  }
  const { paymentId } = outcome;
  const recorded = await deps.payments.handle(
    subject,
    { type: "RecordCapture", orderId, userId, amountCents, paymentId },
    meta,
  );
  // The order was voided (its cancellation handled meanwhile, here or by another instance)
  // between our load and the charge: give the money back.
  if (recorded.state.status === "voided") {
    await deps.gateway.refund({
      idempotencyKey: gatewayKeys.refund(orderId),
      paymentId,
      amountCents,
    });
  }
}
