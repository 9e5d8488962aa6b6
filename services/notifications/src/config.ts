/**
 * Notifications settings, besides the kit's base ones:
 * - NOTIFICATIONS_WEBHOOK_URL (optional, http or https): when set, notifications are POSTed
 *   there; otherwise they are logged, and the `notification.delivered` event is the record.
 * - NOTIFICATIONS_WEBHOOK_TIMEOUT_MS (default 5000): how long one webhook call may take.
 */
import { baseConfigSchema, intFromEnv } from "@shop/shared/kit";
import { z } from "zod";

/** An empty variable (as compose files often leave it) means "not set". */
const optionalUrl = z.preprocess(
  (value) => (value === "" ? undefined : value),
  z.url({ protocol: /^https?$/ }).optional(),
);

export const configSchema = baseConfigSchema.extend({
  PORT: intFromEnv(3005),
  NOTIFICATIONS_WEBHOOK_URL: optionalUrl,
  NOTIFICATIONS_WEBHOOK_TIMEOUT_MS: intFromEnv(5_000, { min: 1 }),
});
