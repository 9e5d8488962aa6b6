import type { AggregateStore } from "@shop/shared/kit";
import type { PaymentCommand, PaymentState } from "../domain/payment.ts";
import type { PaymentGateway } from "../gateway/payment-gateway.ts";
import type { ReadOrder } from "./read-order.ts";

/** What the payment use cases work with. */
export interface PaymentDeps {
  payments: AggregateStore<PaymentCommand, PaymentState>;
  gateway: PaymentGateway;
  readOrder: ReadOrder;
}

/** Gateway idempotency keys: one charge and at most one refund per order, whoever asks and however often. */
export const gatewayKeys = {
  capture: (orderId: string) => orderId,
  refund: (orderId: string) => `${orderId}.refund`,
};

/** The payment id of an order with nothing to charge: no gateway was asked, none refunds. */
export const FREE_PAYMENT_ID = "free";
