/**
 * Payments settings, besides the kit's base ones:
 * - PAYMENT_LIMIT_CENTS (default 100000): the simulated gateway declines any amount above it.
 * - PAYMENT_DECLINED_METHODS (default "card_declined,4000000000000002"): comma-separated payment
 *   methods the simulated gateway always declines.
 */
import { baseConfigSchema, intFromEnv } from "@shop/shared/kit";
import { z } from "zod";

const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    );

export const configSchema = baseConfigSchema.extend({
  PORT: intFromEnv(3004),
  PAYMENT_LIMIT_CENTS: intFromEnv(100_000),
  PAYMENT_DECLINED_METHODS: commaList("card_declined,4000000000000002"),
});
