import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { AppError, isUnavailable } from "@shop/shared/kit";
import type { Server } from "bun";
import type { Notification } from "../domain/notification.ts";
import { createWebhookSender } from "./webhook-sender.ts";

const notification: Notification = {
  notificationId: "0123456789abcdef0123456789abcdef",
  userId: "u-1",
  channel: "webhook",
  template: "order_confirmed",
  recipient: "ada@example.com",
  orderId: "o-1",
};

interface Call {
  method: string;
  contentType: string | null;
  idempotencyKey: string | null;
  body: unknown;
}

let answer: () => Response | Promise<Response> = () => new Response(null, { status: 204 });
const calls: Call[] = [];
let server: Server<undefined>;

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      calls.push({
        method: req.method,
        contentType: req.headers.get("content-type"),
        idempotencyKey: req.headers.get("idempotency-key"),
        body: await req.json(),
      });
      return answer();
    },
  });
});

afterEach(() => {
  calls.length = 0;
  answer = () => new Response(null, { status: 204 });
});

afterAll(async () => {
  await server.stop(true);
});

const sender = (timeoutMs = 2_000) =>
  createWebhookSender({ url: `http://127.0.0.1:${server.port}/hook`, timeoutMs });

/** The error `send` rejected with. */
const failureOf = async (sending: Promise<void>): Promise<AppError> => {
  const err = await sending.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
};

describe("webhook sender", () => {
  test("POSTs the notification as JSON keyed by its id", async () => {
    await sender().send(notification);
    expect(calls).toEqual([
      {
        method: "POST",
        contentType: "application/json",
        idempotencyKey: notification.notificationId,
        body: notification,
      },
    ]);
    expect(sender().name).toBe("webhook");
  });

  test("throws a retryable error when the receiver answers 500", async () => {
    answer = () => new Response("down", { status: 500 });
    const err = await failureOf(sender().send(notification));
    expect(isUnavailable(err)).toBe(true);
    expect(err.code).toBe("notification.webhook-failed");
    expect(err.message).toContain("500");
    expect(calls).toHaveLength(1);
  });

  test("treats a client error as retryable too", async () => {
    answer = () => new Response(null, { status: 404 });
    const err = await failureOf(sender().send(notification));
    expect(isUnavailable(err)).toBe(true);
    expect(err.code).toBe("notification.webhook-failed");
  });

  test("gives up on a receiver slower than the timeout", async () => {
    answer = async () => {
      await Bun.sleep(1_000);
      return new Response(null, { status: 204 });
    };
    const started = performance.now();
    const err = await failureOf(sender(100).send(notification));
    expect(performance.now() - started).toBeLessThan(900);
    expect(isUnavailable(err)).toBe(true);
    expect(err.code).toBe("notification.webhook-failed");
  });

  test("throws a retryable error when nothing listens", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(null) });
    const url = `http://127.0.0.1:${closed.port}/hook`;
    await closed.stop(true);
    const err = await failureOf(createWebhookSender({ url, timeoutMs: 2_000 }).send(notification));
    expect(isUnavailable(err)).toBe(true);
    expect(err.code).toBe("notification.webhook-failed");
  });
});
