import { z } from "@hono/zod-openapi";

/** The problem+json document, for route definitions' error responses. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.string(),
    requestId: z.string().optional(),
  })
  .openapi("Problem");

/** Documents error responses of a route as problem+json. */
export function problems(...statuses: (400 | 404 | 409 | 413 | 422 | 503)[]) {
  const descriptions = {
    400: "Malformed request",
    404: "Not found",
    409: "Conflict",
    413: "Request body too large",
    422: "Invalid input",
    503: "Unavailable; retry after the Retry-After seconds",
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status],
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  );
}

/** A JSON request body or response for a route definition. */
export const json = <S extends z.ZodType>(schema: S, description = "") => ({
  description,
  content: { "application/json": { schema } },
});
