/**
 * Payments settings, besides the kit's base ones:
 * - PAYMENT_GATEWAY_URL: the card gateway (services/payments/gateway) to charge through. When
 *   unset, payments charges an in-process simulated gateway instead (unit tests, one-off runs).
 * - PAYMENT_GATEWAY_TIMEOUT_MS (default 5000): longest wait for one gateway answer; a timeout is
 *   retried, with the same idempotency key.
 * - PAYMENT_LIMIT_CENTS (default 100000): the simulated gateway declines any amount above it.
 * - PAYMENT_DECLINED_METHODS (default "card_declined,4000000000000002"): comma-separated payment
 *   methods the simulated gateway always declines.
 */
import { baseConfigSchema, intFromEnv, listFromEnv } from "@shop/shared/kit";
import { z } from "zod";

export const configSchema = baseConfigSchema.extend({
  PORT: intFromEnv(3004),
  PAYMENT_GATEWAY_URL: z.url({ protocol: /^https?$/ }).optional(),
  PAYMENT_GATEWAY_TIMEOUT_MS: intFromEnv(5_000, { min: 1 }),
  PAYMENT_LIMIT_CENTS: intFromEnv(100_000),
  PAYMENT_DECLINED_METHODS: listFromEnv("card_declined,4000000000000002"),
});
