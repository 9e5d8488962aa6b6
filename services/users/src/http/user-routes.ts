import { createRoute, z } from "@hono/zod-openapi";
import { emailSchema, userIdSchema, userNameSchema } from "@shop/shared/contracts";
import {
  type HttpApp,
  idempotencyKeyHeader,
  json,
  notFound,
  problems,
  type SqliteDb,
} from "@shop/shared/kit";
import { type RegisterUserDeps, registerUser } from "../app/register-user.ts";
import type { Schema } from "../db/schema.ts";
import { getUser } from "../projections/users/user-queries.ts";

const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    registeredAt: z.string().optional(),
  })
  .openapi("User");

const register = createRoute({
  method: "post",
  path: "/users",
  summary: "Register a user (one per email); safe to retry with an Idempotency-Key",
  request: {
    headers: idempotencyKeyHeader,
    body: {
      ...json(z.object({ email: emailSchema, name: z.string().trim().pipe(userNameSchema) })),
      required: true,
    },
  },
  responses: {
    201: json(UserSchema, "Registered, and readable at its Location"),
    202: json(UserSchema, "Registered; its Location answers once the read model catches up"),
    ...problems(400, 409, 413, 422, 503),
  },
});

const get = createRoute({
  method: "get",
  path: "/users/{id}",
  summary: "Get a user",
  request: { params: z.object({ id: userIdSchema }) },
  responses: { 200: json(UserSchema, "The user"), ...problems(404, 422) },
});

export function addUserRoutes(app: HttpApp, deps: RegisterUserDeps & { db: SqliteDb<Schema> }) {
  app.openapi(register, async (c) => {
    const { user, visible } = await registerUser(
      deps,
      { ...c.req.valid("json"), idempotencyKey: c.req.valid("header")["idempotency-key"] },
      { correlationId: c.get("requestId" as never) },
    );
    return c.json(user, visible ? 201 : 202, { location: `/users/${user.id}` });
  });
  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const user = await getUser(deps.db, id);
    if (!user) throw notFound("user.not-found", `no user ${id}`);
    return c.json(user, 200);
  });
}
