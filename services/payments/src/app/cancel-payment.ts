import { subjects } from "@shop/shared/contracts";
import type { CommandMeta } from "@shop/shared/kit";
import { FREE_PAYMENT_ID, gatewayKeys, type PaymentDeps } from "./payment-deps.ts";

/**
 * Settles the payment of a cancelled order: an order not charged yet is voided so that it
 * never will be; a capture is refunded at the gateway (once per order) and recorded. A payment
 * already declined, refunded or voided is left as it is.
 */
export async function cancelPayment(
  deps: PaymentDeps,
  { orderId, userId }: { orderId: string; userId?: string },
  meta: CommandMeta,
) {
  const subject = subjects.payment(orderId);
  const { state: before } = await deps.payments.load(subject);
  if (before.status === "none" && userId) {
    // Charged, but the process died before recording it: record that charge now, so it is refunded below.
    const charge = await deps.gateway.findCharge(gatewayKeys.capture(orderId));
    if (charge) {
      await deps.payments.handle(
        subject,
        { type: "RecordCapture", orderId, userId, ...charge },
        meta,
      );
    }
  }
  // Void decides nothing unless no charge is recorded; the state it returns says what to undo.
  const { state } = await deps.payments.handle(subject, { type: "Void", orderId, userId }, meta);
  if (state.status !== "captured") return;
  const { paymentId, amountCents } = state;
  if (paymentId !== FREE_PAYMENT_ID)
    await deps.gateway.refund({
      idempotencyKey: gatewayKeys.refund(orderId),
      paymentId,
      amountCents,
    });
  await deps.payments.handle(subject, { type: "Refund", orderId }, meta);
}
