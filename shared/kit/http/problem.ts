import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, type ErrorKind } from "../errors/app-error.ts";
import type { Logger } from "../log/logger.ts";

/** The kind alone decides the HTTP status. */
export const STATUS_BY_KIND: Record<ErrorKind, ContentfulStatusCode> = {
  validation: 422,
  "not-found": 404,
  conflict: 409,
  forbidden: 403,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: "Bad request",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  413: "Content too large",
  422: "Unprocessable content",
  500: "Internal server error",
  503: "Service unavailable",
};

/** An RFC 9457 problem document with the kit's `code` and the request id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

/** Seconds a client is told to wait (`Retry-After`) before retrying a 503. */
export const RETRY_AFTER_SECONDS = 1;

/** Stable codes for Hono's own HTTP exceptions (malformed JSON, body over the limit). */
const HTTP_EXCEPTION_CODES: Partial<Record<number, string>> = {
  400: "request.malformed",
  413: "request.too-large",
};

/** Renders `application/problem+json`; a 503 carries `Retry-After` so clients retry rather than give up. */
export function problemResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  detail: string,
  extensions: Record<string, unknown> = {},
) {
  const problem: Problem = {
    type: `urn:problem:${code}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    instance: c.req.path,
    code,
    requestId: c.get("requestId" as never),
    ...extensions,
  };
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (status === 503) headers["retry-after"] = String(RETRY_AFTER_SECONDS);
  return c.body(JSON.stringify(problem), status, headers);
}

/** The one `onError`: AppErrors by kind, Hono's HTTP exceptions by status, anything else as a logged 500. */
export const renderError = (logger: Logger) => (err: Error, c: Context) => {
  if (err instanceof AppError) {
    if (err.kind === "unavailable")
      logger.warn({ err, path: c.req.path }, "request failed: dependency unavailable");
    return problemResponse(c, STATUS_BY_KIND[err.kind], err.code, err.message, err.details ?? {});
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return problemResponse(
      c,
      status,
      HTTP_EXCEPTION_CODES[status] ?? `http.${status}`,
      err.message,
    );
  }
  logger.error({ err, path: c.req.path }, "unhandled error");
  return problemResponse(
    c,
    500,
    "internal",
    "unexpected error; see the service log for this request id",
  );
};
