import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { validationError } from "../errors/app-error.ts";
import type { Logger } from "../log/logger.ts";
import type { ServiceMetrics } from "../metrics/metrics.ts";
import { problemResponse, renderError } from "./problem.ts";

/** One readiness check: passing (`true`), failing (`false`), or failing with the reason why. */
export type ReadinessCheck = boolean | { ready: false; reason: string };

/** Named readiness checks; the service is ready when all pass. */
export type ReadinessChecks = () => Record<string, ReadinessCheck>;

export interface HttpAppOptions {
  service: string;
  version?: string;
  description?: string;
  logger: Logger;
  metrics: ServiceMetrics;
  readiness: ReadinessChecks;
  /** Largest request body accepted; a larger one answers 413 `request.too-large`. Default 64 KiB. */
  maxBodyBytes?: number;
  /**
   * True for the app that answers while the service is still starting: its routes are not
   * registered yet, so every other path answers 503 `service.starting` with `Retry-After`
   * (a client retries it) instead of a 404 (a client takes that as final).
   */
  starting?: boolean;
}

export type HttpApp = OpenAPIHono;

const QUIET_PATHS = new Set(["/health/live", "/health/ready", "/metrics"]);

/** Default request body limit: far above any command here, far below the broker's max_payload. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * A Hono app with what every service answers: `GET /health/live`, `GET /health/ready`
 * (503 naming the failing checks, and under `reasons` why, for checks that say),
 * `GET /metrics` (Prometheus text), `GET /openapi.json`, an `x-request-id` on every
 * response, request logs and metrics, zod-validated input whose failures answer 422, a body
 * limit (413), and every error as `application/problem+json` (a 503 with `Retry-After`).
 * Routes are added by the service with `app.openapi(createRoute(...), handler)`.
 */
export function createHttpApp({
  service,
  version = "1.0.0",
  description,
  logger,
  metrics,
  readiness,
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  starting = false,
}: HttpAppOptions): HttpApp {
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const errors = result.error.issues.map((i) => ({
          path: i.path.join("."),
          message: i.message,
        }));
        throw validationError(
          "request.invalid",
          errors.map((e) => `${e.path || "body"}: ${e.message}`).join("; "),
          { errors },
        );
      }
    },
  });

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath;
    const seconds = (performance.now() - started) / 1000;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    // Successful requests are logged at debug: at thousands of requests a second an access
    // line each costs more than the request (metrics count them all); failures stay at info.
    if (!QUIET_PATHS.has(c.req.path) && (c.res.status >= 400 || logger.isLevelEnabled("debug"))) {
      logger[c.res.status >= 400 ? "info" : "debug"](
        {
          requestId: c.get("requestId"),
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round(seconds * 1e4) / 10,
        },
        "request",
      );
    }
  });
  app.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new HTTPException(413, {
          message: `the request body is larger than ${maxBodyBytes} bytes`,
        });
      },
    }),
  );
  app.onError(renderError(logger));
  app.notFound((c) => {
    if (starting) return problemResponse(c, 503, "service.starting", `${service} is starting`);
    return problemResponse(c, 404, "route.not-found", `no route for ${c.req.method} ${c.req.path}`);
  });

  app.get("/health/live", (c) => c.json({ status: "ok" }));
  app.get("/health/ready", (c) => {
    const results = Object.entries(readiness());
    const checks = Object.fromEntries(results.map(([name, result]) => [name, result === true]));
    const reasons = Object.fromEntries(
      results.flatMap(([name, result]) =>
        typeof result === "object" ? [[name, result.reason]] : [],
      ),
    );
    const ready = Object.values(checks).every(Boolean);
    const body = { status: ready ? "ready" : "not-ready", checks, ...(ready ? {} : { reasons }) };
    return c.json(body, ready ? 200 : 503);
  });
  app.get("/metrics", async (c) =>
    c.body(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType }),
  );
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: `${service} service`, version, description },
  });
  return app;
}
