import { createRoute, z } from "@hono/zod-openapi";
import { type HttpApp, json, notFound, problems, type SqliteDb } from "@shop/shared/kit";
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
  summary: "Register a user (one per email)",
  request: {
    body: {
      ...json(z.object({ email: z.email(), name: z.string().trim().min(1).max(200) })),
      required: true,
    },
  },
  responses: { 201: json(UserSchema, "Registered"), ...problems(400, 409, 422, 503) },
});

const get = createRoute({
  method: "get",
  path: "/users/{id}",
  summary: "Get a user",
  request: { params: z.object({ id: z.string().min(1) }) },
  responses: { 200: json(UserSchema, "The user"), ...problems(404) },
});

export function addUserRoutes(app: HttpApp, deps: RegisterUserDeps & { db: SqliteDb<Schema> }) {
  app.openapi(register, async (c) => {
    const user = await registerUser(deps, c.req.valid("json"), c.get("requestId" as never));
    return c.json(user, 201, { location: `/users/${user.id}` });
  });
  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const user = await getUser(deps.db, id);
    if (!user) throw notFound("user.not-found", `no user ${id}`);
    return c.json(user, 200);
  });
}
