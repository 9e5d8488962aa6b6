import { createRoute, z } from "@hono/zod-openapi";
import { skuSchema } from "@shop/shared/contracts";
import { type HttpApp, idempotencyKeyHeader, json, notFound, problems } from "@shop/shared/kit";
import { type ChangeProductDeps, changeProduct } from "../app/change-product.ts";
import { getProduct, listProducts } from "../projections/products/product-queries.ts";

const ProductSchema = z
  .object({
    sku: z.string(),
    name: z.string(),
    priceCents: z.number().int(),
    available: z.number().int(),
    reserved: z.number().int(),
    sold: z.number().int(),
  })
  .openapi("Product");

const skuParam = z.object({ sku: skuSchema });

const define = createRoute({
  method: "put",
  path: "/products/{sku}",
  summary: "Add a product to the catalog, or change its name or price",
  request: {
    params: skuParam,
    body: {
      ...json(
        z.object({
          name: z.string().trim().min(1).max(200),
          priceCents: z.number().int().nonnegative(),
        }),
      ),
      required: true,
    },
  },
  responses: {
    200: json(ProductSchema, "The product"),
    202: json(
      z.object({ sku: z.string() }),
      "Stored; its Location answers once the read model catches up",
    ),
    ...problems(400, 413, 422, 503),
  },
});

const restock = createRoute({
  method: "post",
  path: "/products/{sku}/restock",
  summary: "Add units to a product's available stock; safe to retry with an Idempotency-Key",
  request: {
    headers: idempotencyKeyHeader,
    params: skuParam,
    body: { ...json(z.object({ quantity: z.number().int().positive() })), required: true },
  },
  responses: {
    200: json(ProductSchema, "The product"),
    202: json(
      z.object({ sku: z.string() }),
      "Stored; its Location answers once the read model catches up",
    ),
    ...problems(400, 404, 413, 422, 503),
  },
});

const get = createRoute({
  method: "get",
  path: "/products/{sku}",
  summary: "Get a product and its stock",
  request: { params: skuParam },
  responses: { 200: json(ProductSchema, "The product"), ...problems(404, 422) },
});

const list = createRoute({
  method: "get",
  path: "/products",
  summary: "List the catalog with stock",
  responses: { 200: json(z.array(ProductSchema), "Every product, by sku") },
});

export function addProductRoutes(app: HttpApp, deps: ChangeProductDeps) {
  app.openapi(define, async (c) => {
    const { sku } = c.req.valid("param");
    const { name, priceCents } = c.req.valid("json");
    const { product } = await changeProduct(
      deps,
      { type: "DefineProduct", sku, name, priceCents },
      { correlationId: c.get("requestId" as never) },
    );
    const location = { location: `/products/${sku}` };
    return product ? c.json(product, 200, location) : c.json({ sku }, 202, location);
  });
  app.openapi(restock, async (c) => {
    const { sku } = c.req.valid("param");
    const { quantity } = c.req.valid("json");
    const { product } = await changeProduct(
      deps,
      { type: "Restock", sku, quantity },
      {
        correlationId: c.get("requestId" as never),
        idempotencyKey: c.req.valid("header")["idempotency-key"],
      },
    );
    const location = { location: `/products/${sku}` };
    return product ? c.json(product, 200, location) : c.json({ sku }, 202, location);
  });
  app.openapi(get, async (c) => {
    const { sku } = c.req.valid("param");
    const product = await getProduct(deps.db, sku);
    if (!product) throw notFound("product.not-found", `no product ${sku}`, { sku });
    return c.json(product, 200);
  });
  app.openapi(list, async (c) => c.json(await listProducts(deps.db), 200));
}
