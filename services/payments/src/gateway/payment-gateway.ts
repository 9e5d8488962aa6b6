export interface CaptureRequest {
  /** The same key always gets the same answer and is charged at most once. */
  idempotencyKey: string;
  amountCents: number;
  paymentMethod: string;
}

export type CaptureResult =
  | { status: "captured"; paymentId: string }
  | { status: "declined"; reason: string };

export interface RefundRequest {
  /** The same key always gets the same answer and is refunded at most once. */
  idempotencyKey: string;
  paymentId: string;
  amountCents: number;
}

/** The payment provider as payments sees it (an outbound port). Both calls are idempotent per key. */
export interface PaymentGateway {
  capture(request: CaptureRequest): Promise<CaptureResult>;
  /** What a capture with this key charged, if it did (as providers let you look a charge up by its key). */
  findCharge(
    idempotencyKey: string,
  ): Promise<{ paymentId: string; amountCents: number } | undefined>;
  refund(request: RefundRequest): Promise<{ refundId: string }>;
}
