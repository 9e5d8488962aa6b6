import { createRoute, z } from "@hono/zod-openapi";
import { type HttpApp, json, problems, type SqliteDb } from "@shop/shared/kit";
import type { Schema } from "../db/schema.ts";
import { listPayments } from "../projections/payments/payment-queries.ts";

const PaymentSchema = z
  .object({
    orderId: z.string(),
    userId: z.string().nullable(),
    amountCents: z.number().int().nullable(),
    status: z.enum(["captured", "declined", "refunded", "voided"]),
    paymentId: z.string().nullable(),
    reason: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi("Payment");

const list = createRoute({
  method: "get",
  path: "/payments",
  summary: "Payments of an order or of a user (at least one filter)",
  request: {
    query: z
      .object({ orderId: z.string().min(1).optional(), userId: z.string().min(1).optional() })
      .refine((q) => q.orderId !== undefined || q.userId !== undefined, {
        message: "give orderId or userId",
      }),
  },
  responses: {
    200: json(z.object({ payments: z.array(PaymentSchema) }), "Payments"),
    ...problems(422),
  },
});

export function addPaymentRoutes(app: HttpApp, deps: { db: SqliteDb<Schema> }) {
  app.openapi(list, async (c) =>
    c.json({ payments: await listPayments(deps.db, c.req.valid("query")) }, 200),
  );
}
