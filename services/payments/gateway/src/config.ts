/**
 * Card gateway settings:
 * - PORT (default 3006), HOST, DATA_DIR (the ledger is `<DATA_DIR>/card-gateway.db`), LOG_LEVEL,
 *   LOG_FORMAT: as for the shop's services.
 * - PAYMENT_LIMIT_CENTS (default 100000): any amount above it is declined.
 * - PAYMENT_DECLINED_METHODS (default "card_declined,4000000000000002"): comma-separated payment
 *   methods that are always declined.
 * - CARD_GATEWAY_LATENCY_MS (default 0): every charge and refund is answered this long after it
 *   is stored, as a slow processor or network would (fault tests crash payments in that window).
 */
import { baseConfigSchema, intFromEnv, listFromEnv } from "@shop/shared/kit";
import type { z } from "zod";

/** The card gateway's environment; it has no broker or shop database settings. */
export const gatewayConfigSchema = baseConfigSchema
  .pick({ LOG_LEVEL: true, LOG_FORMAT: true, DATA_DIR: true, HOST: true })
  .extend({
    PORT: intFromEnv(3006),
    PAYMENT_LIMIT_CENTS: intFromEnv(100_000),
    PAYMENT_DECLINED_METHODS: listFromEnv("card_declined,4000000000000002"),
    CARD_GATEWAY_LATENCY_MS: intFromEnv(0),
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
