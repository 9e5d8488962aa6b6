import { z } from "@hono/zod-openapi";

/** Longest `Idempotency-Key` accepted. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 200;

/**
 * The optional `Idempotency-Key` request header, for a route's `request.headers`: 1 to 200
 * visible ASCII characters. A route that declares it promises that a request repeated with
 * the same key answers with the same resource and stores its effect once.
 */
export const idempotencyKeyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(IDEMPOTENCY_KEY_MAX_LENGTH)
    .regex(/^[\x21-\x7e]+$/, "visible ASCII characters only")
    .optional()
    .openapi({
      description:
        "Makes the request safe to retry: the same key gets the same resource, stored once.",
    }),
});

/**
 * A deterministic id from its parts: 32 hex characters of their SHA-256, so also a valid
 * subject token. The same parts always give the same id. Derive a resource's id and its
 * event's id from an idempotency key and what the key applies to: a retried command then
 * names the same resource, and publishes the same event id, which the broker deduplicates
 * (`Nats-Msg-Id`). Parts must not contain a newline (keys cannot).
 */
export function idempotentId(...parts: string[]): string {
  return new Bun.CryptoHasher("sha256").update(parts.join("\n")).digest("hex").slice(0, 32);
}
