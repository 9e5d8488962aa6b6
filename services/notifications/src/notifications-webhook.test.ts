import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { consumers } from "@shop/shared/contracts";
import type { Server } from "bun";
import {
  type NotificationsHarness,
  startNotificationsHarness,
} from "./testing/notifications-harness.ts";

setDefaultTimeout(30_000);

interface ReceivedCall {
  idempotencyKey: string | null;
  body: unknown;
  status: number;
}

/** A webhook receiver that is down for its first call and accepts every later one. */
const calls: ReceivedCall[] = [];
let receiver: Server<undefined>;
let harness: NotificationsHarness;

beforeAll(async () => {
  receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      const status = calls.length === 0 ? 500 : 204;
      calls.push({
        idempotencyKey: req.headers.get("idempotency-key"),
        body: await req.json(),
        status,
      });
      return new Response(null, { status });
    },
  });
  harness = await startNotificationsHarness({
    NOTIFICATIONS_WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/notifications`,
  });
});

afterAll(async () => {
  await harness?.stop();
  await receiver?.stop(true);
});

describe("notifications service with a webhook", () => {
  test("delivers a notification once after the webhook failed, under the same idempotency key, and never again", async () => {
    const user = harness.newUser();
    const registered = harness.events.userRegistered(user);
    await harness.publish(registered);
    const [notification] = await harness.deliveredNotifications(user.userId, 1);
    // Once delivered, neither a redelivery nor a new event about the same user sends it again.
    await harness.publishAgain(registered);
    const last = await harness.publish(harness.events.userRegistered(user));
    await harness.handledUpTo(consumers.notificationsOnUsers, last.sequence);

    expect(notification).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      userId: user.userId,
      channel: "webhook",
      template: "welcome",
      orderId: null,
      recipient: user.email,
      recordedAt: expect.any(String),
      deliveredAt: expect.any(String),
      sender: "webhook",
    });
    const sent = {
      notificationId: notification!.id,
      userId: user.userId,
      channel: "webhook",
      template: "welcome",
      recipient: user.email,
    };
    expect(calls).toEqual([
      { idempotencyKey: notification!.id, body: sent, status: 500 },
      { idempotencyKey: notification!.id, body: sent, status: 204 },
    ]);
    expect(await harness.notificationEventTypes(notification!.id)).toEqual([
      "notification.recorded",
      "notification.delivered",
    ]);
  });
});
