import { describe, expect, test } from "bun:test";
import { createRoute, z } from "@hono/zod-openapi";
import { unavailable } from "../errors/app-error.ts";
import { createLogger } from "../log/logger.ts";
import { createMetrics } from "../metrics/metrics.ts";
import { createHttpApp, type HttpAppOptions } from "./create-http-app.ts";
import { json, problems } from "./openapi-helpers.ts";

const logger = createLogger({ service: "http-test", level: "silent" });

function testApp(options: Partial<HttpAppOptions> = {}) {
  const app = createHttpApp({
    service: "http-test",
    logger,
    metrics: createMetrics({ service: "http-test", defaults: false }),
    readiness: () => ({ wired: true }),
    maxBodyBytes: 1_000,
    ...options,
  });
  app.openapi(
    createRoute({
      method: "post",
      path: "/notes",
      request: { body: { ...json(z.object({ text: z.string() })), required: true } },
      responses: { 200: json(z.object({ length: z.number() })), ...problems(413, 422) },
    }),
    (c) => c.json({ length: c.req.valid("json").text.length }, 200),
  );
  app.post("/down", () => {
    throw unavailable("test.down", "a dependency is down");
  });
  return app;
}

const postNotes = (app: ReturnType<typeof testApp>, body: RequestInit["body"], headers = {}) =>
  app.request("/notes", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

const problemOf = async (response: Response) => {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as { status: number; code: string; detail: string };
};

/** A body sent in chunks with no Content-Length, as a streaming client sends it. */
const streamed = (text: string) =>
  new ReadableStream({
    start(controller) {
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i < bytes.length; i += 256) controller.enqueue(bytes.subarray(i, i + 256));
      controller.close();
    },
  });

describe("createHttpApp limits", () => {
  test("accepts a body within the limit", async () => {
    const response = await postNotes(testApp(), JSON.stringify({ text: "a".repeat(900) }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ length: 900 });
  });

  test("refuses a body over the limit with a 413 problem document", async () => {
    const response = await postNotes(testApp(), JSON.stringify({ text: "a".repeat(2_000) }));
    expect(response.status).toBe(413);
    expect(await problemOf(response)).toMatchObject({
      status: 413,
      code: "request.too-large",
      detail: "the request body is larger than 1000 bytes",
    });
  });

  test("refuses a streamed body over the limit that declares no length", async () => {
    const body = JSON.stringify({ text: "a".repeat(5_000) });
    const response = await postNotes(testApp(), streamed(body));
    expect(response.status).toBe(413);
    expect((await problemOf(response)).code).toBe("request.too-large");
    const small = await postNotes(testApp(), streamed(JSON.stringify({ text: "ok" })));
    expect(small.status).toBe(200);
  });

  test("has a default limit far below the broker's 1 MB max_payload", async () => {
    const app = testApp({ maxBodyBytes: undefined });
    const oneMegabyte = JSON.stringify({ text: "a".repeat(1024 * 1024) });
    const response = await postNotes(app, oneMegabyte);
    expect(response.status).toBe(413);
    expect((await problemOf(response)).code).toBe("request.too-large");
  });

  test("answers malformed JSON with a 400 problem document", async () => {
    const response = await postNotes(testApp(), "{not json");
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe("request.malformed");
  });
});

describe("createHttpApp retry hints", () => {
  test("a 503 problem tells the client when to retry", async () => {
    const response = await testApp().request("/down", { method: "POST" });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect((await problemOf(response)).code).toBe("test.down");
  });

  test("while starting, an unregistered route answers 503 with Retry-After, not 404", async () => {
    const app = createHttpApp({
      service: "http-test",
      logger,
      metrics: createMetrics({ service: "http-test", defaults: false }),
      readiness: () => ({ wired: false }),
      starting: true,
    });
    for (const [method, path] of [
      ["GET", "/users/u-1"],
      ["POST", "/orders"],
    ] as const) {
      const response = await app.request(path, { method });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(await problemOf(response)).toMatchObject({ code: "service.starting", status: 503 });
    }
    expect((await app.request("/health/live")).status).toBe(200);
    expect((await app.request("/health/ready")).status).toBe(503);
  });

  test("once started, an unknown route is a 404 without Retry-After", async () => {
    const response = await testApp().request("/no/such/route");
    expect(response.status).toBe(404);
    expect(response.headers.get("retry-after")).toBeNull();
    expect((await problemOf(response)).code).toBe("route.not-found");
  });
});
