import { createRoute, z } from "@hono/zod-openapi";
import {
  aggregateId,
  cancellationReason,
  MAX_ORDER_LINES,
  paymentMethodSchema,
  userIdSchema,
} from "@shop/shared/contracts";
import { type HttpApp, idempotencyKeyHeader, json, notFound, problems } from "@shop/shared/kit";
import type { TypedResponse } from "hono";
import { cancelByCustomer } from "../app/cancel-by-customer.ts";
import type { OrderDeps } from "../app/order-deps.ts";
import { placeOrder } from "../app/place-order.ts";
import { getOrderJson, listOrdersOfUser } from "../projections/orders/order-queries.ts";

const Line = z.object({
  sku: z.string(),
  quantity: z.number().int(),
  unitPriceCents: z.number().int(),
});
const OrderSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    status: z.enum(["pending", "confirmed", "cancelled"]),
    reason: cancellationReason.nullable(),
    items: z.array(Line),
    totalCents: z.number().int(),
    paymentMethod: z.string(),
    placedAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Order");
const HistoryEntry = z.object({
  type: z.string(),
  time: z.string(),
  stream: z.string(),
  detail: z.string().nullable(),
});
const OrderWithHistory = OrderSchema.extend({ history: z.array(HistoryEntry) });

const Cancelled = z.object({ orderId: z.string(), status: z.literal("cancelled") });

const place = createRoute({
  method: "post",
  path: "/orders",
  summary: "Place an order; answered once order.placed is stored; safe to retry with a key",
  request: {
    headers: idempotencyKeyHeader,
    body: {
      ...json(
        z.object({
          userId: userIdSchema,
          items: z
            .array(
              z.object({
                sku: z.string().min(1).max(64),
                quantity: z.number().int().positive().max(10_000),
              }),
            )
            .min(1)
            .max(MAX_ORDER_LINES),
          paymentMethod: paymentMethodSchema,
        }),
      ),
      required: true,
    },
  },
  responses: {
    202: json(
      z.object({
        orderId: z.string(),
        status: z.enum(["pending", "confirmed", "cancelled"]),
        items: z.array(Line),
        totalCents: z.number().int(),
      }),
      "Accepted",
    ),
    ...problems(400, 413, 422, 503),
  },
});

const get = createRoute({
  method: "get",
  path: "/orders/{id}",
  summary: "An order with its event history",
  request: { params: z.object({ id: z.string().min(1).max(128) }) },
  responses: {
    200: json(OrderWithHistory, "The order"),
    ...problems(404, 422),
  },
});

const list = createRoute({
  method: "get",
  path: "/orders",
  summary: "A user's orders, newest first",
  request: { query: z.object({ userId: userIdSchema }) },
  responses: { 200: json(z.object({ orders: z.array(OrderSchema) }), "Orders"), ...problems(422) },
});

const cancel = createRoute({
  method: "post",
  path: "/orders/{id}/cancel",
  summary:
    "Cancel a pending order (stock is released and payment refunded); safe to retry with a key",
  request: { headers: idempotencyKeyHeader, params: z.object({ id: aggregateId }) },
  responses: {
    200: json(Cancelled, "Cancelled"),
    202: json(Cancelled, "Cancelled; the order's Location shows it once the read model catches up"),
    ...problems(404, 409, 422, 503),
  },
});

export function addOrderRoutes(app: HttpApp, deps: OrderDeps) {
  app.openapi(place, async (c) => {
    const requestId: string = c.get("requestId" as never);
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const placed = await placeOrder(
      deps,
      { ...c.req.valid("json"), idempotencyKey },
      { correlationId: requestId },
    );
    return c.json(placed, 202, { location: `/orders/${placed.orderId}` });
  });
  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const order = await getOrderJson(deps.db, id);
    if (order === undefined) throw notFound("order.not-found", `no order ${id}`);
    // Already the order's JSON, as the projection stored it: sent as it is, not parsed and
    // serialized again.
    return c.body(order, 200, { "content-type": "application/json" }) as unknown as TypedResponse<
      z.infer<typeof OrderWithHistory>,
      200,
      "json"
    >;
  });
  app.openapi(list, async (c) =>
    c.json({ orders: await listOrdersOfUser(deps.db, c.req.valid("query").userId) }, 200),
  );
  app.openapi(cancel, async (c) => {
    const { id } = c.req.valid("param");
    const { visible } = await cancelByCustomer(
      deps,
      { orderId: id, idempotencyKey: c.req.valid("header")["idempotency-key"] },
      { correlationId: c.get("requestId" as never) },
    );
    const cancelled = { orderId: id, status: "cancelled" as const };
    return c.json(cancelled, visible ? 200 : 202, { location: `/orders/${id}` });
  });
}
