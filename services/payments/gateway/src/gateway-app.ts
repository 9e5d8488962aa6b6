import { createRoute, z } from "@hono/zod-openapi";
import {
  createHttpApp,
  type HttpApp,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  json,
  type Logger,
  problems,
  type ServiceMetrics,
} from "@shop/shared/kit";
import { type DeclineRules, declineReason } from "./decline-rules.ts";
import type { Ledger } from "./ledger.ts";

/** Set on an answer repeated from an earlier request with the same key. */
export const REPLAYED_HEADER = "idempotent-replayed";

const ChargeSchema = z
  .object({
    id: z.string(),
    idempotencyKey: z.string(),
    status: z.enum(["captured", "declined"]),
    declineReason: z.string().nullable(),
    amountCents: z.number().int(),
    paymentMethod: z.string(),
    refundedCents: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("Charge");

const RefundSchema = z
  .object({
    id: z.string(),
    idempotencyKey: z.string(),
    chargeId: z.string(),
    amountCents: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("Refund");

const idempotencyKey = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(IDEMPOTENCY_KEY_MAX_LENGTH)
    .regex(/^[\x21-\x7e]+$/, "visible ASCII characters only")
    .openapi({ description: "Required: the same key is charged (or refunded) at most once." }),
});

const createCharge = createRoute({
  method: "post",
  path: "/charges",
  summary: "Charge a payment method, once per idempotency key",
  request: {
    headers: idempotencyKey,
    body: {
      ...json(
        z.object({
          amountCents: z.number().int().positive().max(1_000_000_000),
          paymentMethod: z.string().min(1).max(100),
        }),
      ),
      required: true,
    },
  },
  responses: {
    201: json(ChargeSchema, "Captured"),
    200: json(ChargeSchema, "Captured earlier under this key (idempotent-replayed: true)"),
    402: json(ChargeSchema, "Declined, now or earlier under this key"),
    ...problems(422),
  },
});

const createRefund = createRoute({
  method: "post",
  path: "/refunds",
  summary: "Refund (part of) a captured charge, once per idempotency key",
  request: {
    headers: idempotencyKey,
    body: {
      ...json(
        z.object({
          chargeId: z.string().min(1).max(100),
          amountCents: z.number().int().positive().max(1_000_000_000),
        }),
      ),
      required: true,
    },
  },
  responses: {
    201: json(RefundSchema, "Refunded"),
    200: json(RefundSchema, "Refunded earlier under this key (idempotent-replayed: true)"),
    ...problems(404, 409, 422),
  },
});

const listCharges = createRoute({
  method: "get",
  path: "/charges",
  summary: "Every charge attempt, oldest first, or the one made under an idempotency key",
  request: {
    query: z.object({
      idempotencyKey: z.string().min(1).max(IDEMPOTENCY_KEY_MAX_LENGTH).optional(),
    }),
  },
  responses: { 200: json(z.object({ charges: z.array(ChargeSchema) }), "Charges") },
});

export interface GatewayAppDeps {
  ledger: Ledger;
  rules: DeclineRules;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Delay every charge and refund answer by this long after it is stored. Default 0. */
  latencyMs?: number;
}

/**
 * The card processor's HTTP API. `POST /charges` answers 201 with a new capture, 402 with a
 * decline, and 200 (`idempotent-replayed: true`) or 402 with the first answer when the
 * `Idempotency-Key` was seen before: a key is charged at most once, across restarts too.
 * `POST /refunds` works the same way; `GET /charges` lists what was charged.
 */
export function createGatewayApp({
  ledger,
  rules,
  logger,
  metrics,
  latencyMs = 0,
}: GatewayAppDeps): HttpApp {
  const app = createHttpApp({
    service: "card-gateway",
    description: "A card processor stand-in: charges and refunds, idempotent per key.",
    logger,
    metrics,
    readiness: () => ({ ledger: ledger.isHealthy() }),
  });
  if (latencyMs > 0) {
    for (const path of ["/charges", "/refunds"]) {
      app.post(path, async (_c, next) => {
        await next();
        await Bun.sleep(latencyMs);
      });
    }
  }

  app.openapi(createCharge, (c) => {
    const { amountCents, paymentMethod } = c.req.valid("json");
    const { record, replayed } = ledger.recordCharge({
      idempotencyKey: c.req.valid("header")["idempotency-key"],
      amountCents,
      paymentMethod,
      declineReason: declineReason(rules, { amountCents, paymentMethod }),
    });
    if (replayed) c.header(REPLAYED_HEADER, "true");
    if (record.status === "declined") return c.json(record, 402);
    return replayed ? c.json(record, 200) : c.json(record, 201);
  });

  app.openapi(createRefund, (c) => {
    const { chargeId, amountCents } = c.req.valid("json");
    const { record, replayed } = ledger.recordRefund({
      idempotencyKey: c.req.valid("header")["idempotency-key"],
      chargeId,
      amountCents,
    });
    if (replayed) c.header(REPLAYED_HEADER, "true");
    return replayed ? c.json(record, 200) : c.json(record, 201);
  });

  app.openapi(listCharges, (c) =>
    c.json({ charges: ledger.listCharges(c.req.valid("query")) }, 200),
  );
  return app;
}
