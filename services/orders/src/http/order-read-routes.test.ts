import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import {
  createHttpApp,
  createLogger,
  createMetrics,
  openStore,
  type Store,
} from "@shop/shared/kit";
import { createTempDir } from "@shop/shared/testing";
import type { OrderDeps } from "../app/order-deps.ts";
import { orderHistory, orders, type Schema, schema } from "../db/schema.ts";
import { getOrder } from "../projections/orders/order-queries.ts";
import { rewriteOrderView } from "../projections/orders/order-view.ts";
import { addOrderRoutes } from "./order-routes.ts";

const temp = createTempDir("order-read-routes");
let store: Store<Schema>;
let app: ReturnType<typeof createHttpApp>;

beforeAll(async () => {
  store = await openStore({
    url: join(temp.path, "orders.db"),
    schema,
    migrationsFolder: join(import.meta.dir, "..", "..", "drizzle"),
  });
  app = createHttpApp({
    service: "orders",
    logger: createLogger({ service: "orders", level: "silent" }),
    metrics: createMetrics({ service: "orders", defaults: false }),
    readiness: () => ({}),
  });
  // The read routes use the read model alone; the commands' collaborators are never reached.
  addOrderRoutes(app, { db: store.read } as OrderDeps);
  await store.write(async (tx) => {
    await tx.insert(orders).values({
      id: "o-1",
      userId: "u-1",
      status: "cancelled",
      reason: "payment_declined",
      items: [{ sku: "tea", quantity: 2, unitPriceCents: 450 }],
      totalCents: 900,
      paymentMethod: "visa",
      placedAt: "2026-03-01T10:00:00.000Z",
      updatedAt: "2026-03-01T10:00:00.040Z",
    });
    await tx.insert(orderHistory).values([
      {
        stream: "ORDERS",
        sequence: 1,
        orderId: "o-1",
        type: "order.placed",
        time: "2026-03-01T10:00:00.000Z",
      },
      {
        stream: "PAYMENTS",
        sequence: 4,
        orderId: "o-1",
        type: "payment.declined",
        time: "2026-03-01T10:00:00.030Z",
        detail: "card declined",
      },
      {
        stream: "INVENTORY",
        sequence: 2,
        orderId: "o-1",
        type: "stock.reserved",
        time: "2026-03-01T10:00:00.010Z",
      },
      {
        stream: "ORDERS",
        sequence: 3,
        orderId: "o-1",
        type: "order.cancelled",
        time: "2026-03-01T10:00:00.040Z",
        detail: "payment_declined",
      },
    ]);
    await rewriteOrderView(tx, "o-1");
  });
});

afterAll(async () => {
  await store?.close();
  temp.cleanup();
});

test("GET /orders/{id} answers the order and its timeline as JSON, as the two-query read built it", async () => {
  const response = await app.request("/orders/o-1");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json");
  expect(await response.text()).toBe(JSON.stringify(await getOrder(store.read, "o-1")));
});

test("GET /orders/{id} of an unknown order answers 404 order.not-found as problem+json", async () => {
  const response = await app.request("/orders/o-404");
  expect(response.status).toBe(404);
  expect(response.headers.get("content-type")).toStartWith("application/problem+json");
  expect(((await response.json()) as { code: string }).code).toBe("order.not-found");
});

test("GET /orders/{id} with an id longer than 128 characters answers 422", async () => {
  const response = await app.request(`/orders/${"x".repeat(129)}`);
  expect(response.status).toBe(422);
  expect(((await response.json()) as { code: string }).code).toBe("request.invalid");
});

test("/openapi.json describes the order GET /orders/{id} answers, timeline included", async () => {
  type Schema = { $ref?: string; allOf?: Schema[]; properties?: Record<string, unknown> };
  type Responses = Record<string, { content?: Record<string, { schema: Schema }> }>;
  const document = (await (await app.request("/openapi.json")).json()) as {
    paths: Record<string, { get?: { responses: Responses } }>;
  };
  const responses = document.paths["/orders/{id}"]?.get?.responses ?? {};
  expect(Object.keys(responses)).toEqual(expect.arrayContaining(["200", "404", "422"]));
  const order = responses["200"]?.content?.["application/json"]?.schema;
  expect(order?.allOf?.[0]).toEqual({ $ref: "#/components/schemas/Order" });
  expect(Object.keys(order?.allOf?.[1]?.properties ?? {})).toEqual(["history"]);
});
