import { AppError, unavailable } from "@shop/shared/kit";
import type { PaymentGateway } from "./payment-gateway.ts";

export interface HttpGatewayOptions {
  /** The card gateway's base URL (PAYMENT_GATEWAY_URL). */
  url: string;
  /** Longest wait for one answer, connection included (PAYMENT_GATEWAY_TIMEOUT_MS). */
  timeoutMs: number;
}

interface ChargeBody {
  id: string;
  status: "captured" | "declined";
  declineReason: string | null;
  amountCents: number;
}

/** 408 and 429 mean "not now": retried like the gateway being down. */
const TRANSIENT_STATUSES = new Set([408, 429]);

/**
 * The PaymentGateway port over the card gateway's HTTP API (see services/payments/gateway).
 * The idempotency key travels as the `Idempotency-Key` header, so a repeated call is charged
 * or refunded at most once. A decline (402) is an answer. A timeout, a refused connection,
 * a 5xx, 408 or 429 throws AppError `unavailable` (`payment.gateway-unavailable`): the charge
 * may or may not have been taken, and the caller retries with the same key. Any other status
 * throws a permanent AppError `validation` (`payment.gateway-refused`): retrying cannot help.
 */
export function createHttpGateway({ url, timeoutMs }: HttpGatewayOptions): PaymentGateway {
  const base = url.replace(/\/+$/, "");

  async function call(
    method: "GET" | "POST",
    path: string,
    options: { idempotencyKey?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: unknown }> {
    const what = `${method} ${path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
          ...(options.idempotencyKey === undefined
            ? {}
            : { "idempotency-key": options.idempotencyKey }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      throw unavailable(
        "payment.gateway-unavailable",
        `card gateway ${what}: no answer within ${timeoutMs} ms (${(err as Error).message})`,
        err,
      );
    }
    const { status } = response;
    if (status >= 500 || TRANSIENT_STATUSES.has(status))
      throw unavailable("payment.gateway-unavailable", `card gateway ${what} → ${status}: ${text}`);
    try {
      return { status, body: text ? JSON.parse(text) : undefined };
    } catch (err) {
      throw unavailable(
        "payment.gateway-unavailable",
        `card gateway ${what} → ${status} with a body that is not JSON`,
        err,
      );
    }
  }

  const refused = (what: string, status: number, body: unknown) =>
    new AppError(
      "validation",
      "payment.gateway-refused",
      `card gateway refused ${what} with ${status}`,
      { status, body },
    );

  return {
    async capture({ idempotencyKey, amountCents, paymentMethod }) {
      const { status, body } = await call("POST", "/charges", {
        idempotencyKey,
        body: { amountCents, paymentMethod },
      });
      const charge = body as ChargeBody;
      if (status === 200 || status === 201) return { status: "captured", paymentId: charge.id };
      if (status === 402)
        return { status: "declined", reason: charge.declineReason ?? "card_declined" };
      throw refused(`charge ${idempotencyKey}`, status, body);
    },
    async findCharge(idempotencyKey) {
      const { status, body } = await call(
        "GET",
        `/charges?idempotencyKey=${encodeURIComponent(idempotencyKey)}`,
      );
      if (status !== 200) throw refused(`the lookup of ${idempotencyKey}`, status, body);
      const captured = (body as { charges: ChargeBody[] }).charges.find(
        (charge) => charge.status === "captured",
      );
      return captured && { paymentId: captured.id, amountCents: captured.amountCents };
    },
    async refund({ idempotencyKey, paymentId, amountCents }) {
      const { status, body } = await call("POST", "/refunds", {
        idempotencyKey,
        body: { chargeId: paymentId, amountCents },
      });
      if (status === 200 || status === 201) return { refundId: (body as { id: string }).id };
      throw refused(`refund ${idempotencyKey}`, status, body);
    },
  };
}
