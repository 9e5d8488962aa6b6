import { baseConfigSchema, intFromEnv } from "@shop/shared/kit";

export const configSchema = baseConfigSchema.extend({
  PORT: intFromEnv(3002),
  /** An order still pending this long after it was placed is cancelled with reason `timeout`. */
  ORDER_TIMEOUT_MS: intFromEnv(300_000, { min: 100 }),
  /** How often pending orders are checked against the timeout. */
  ORDER_TIMEOUT_SWEEP_MS: intFromEnv(1_000, { min: 50 }),
});
