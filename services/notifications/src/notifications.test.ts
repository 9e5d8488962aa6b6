import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { consumers } from "@shop/shared/contracts";
import { waitUntil } from "@shop/shared/testing";
import {
  type NotificationsHarness,
  startNotificationsHarness,
} from "./testing/notifications-harness.ts";

setDefaultTimeout(30_000);

let harness: NotificationsHarness;

beforeAll(async () => {
  harness = await startNotificationsHarness();
});

afterAll(async () => {
  await harness?.stop();
});

const newOrderId = () => `o-${crypto.randomUUID()}`;

/** Registers a user and waits for their welcome, so later notifications of theirs can be counted. */
const registeredUser = async () => {
  const user = harness.newUser();
  await harness.publish(harness.events.userRegistered(user));
  await harness.deliveredNotifications(user.userId, 1);
  return user;
};

/**
 * Waits until the notifications read model has applied everything stored so far: a welcome
 * recorded now is listed only after every earlier event in the stream was applied.
 */
const projectionCaughtUp = async () => {
  await registeredUser();
};

/** True for the service's log line saying the handler failed on `eventId` and will retry it. */
const isRetryOf = (line: string, eventId: string, code: string) => {
  try {
    const entry = JSON.parse(line) as { eventId?: string; err?: { code?: string }; msg?: string };
    return (
      entry.eventId === eventId &&
      entry.err?.code === code &&
      entry.msg === "handler failed; will retry"
    );
  } catch {
    return false;
  }
};

describe("notifications service", () => {
  test("welcomes a registered user at their email", async () => {
    const user = harness.newUser();
    await harness.publish(harness.events.userRegistered(user));
    const notifications = await harness.deliveredNotifications(user.userId, 1);
    expect(notifications).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        userId: user.userId,
        channel: "email",
        template: "welcome",
        orderId: null,
        recipient: user.email,
        recordedAt: expect.any(String),
        deliveredAt: expect.any(String),
        sender: "log",
      },
    ]);
    const [welcome] = notifications;
    expect(await harness.notificationEventTypes(welcome!.id)).toEqual([
      "notification.recorded",
      "notification.delivered",
    ]);
  });

  test("tells a customer once that their order was confirmed or cancelled, however often the order event arrives", async () => {
    const TEMPLATE_ORDER = ["welcome", "order_confirmed", "order_cancelled"];
    const user = await registeredUser();
    const confirmedOrder = newOrderId();
    const cancelledOrder = newOrderId();
    const confirmed = harness.events.orderConfirmed(confirmedOrder, user.userId);
    const cancelled = harness.events.orderCancelled(cancelledOrder, user.userId);
    await harness.publish(confirmed);
    await harness.publish(cancelled);
    const notifications = await harness.deliveredNotifications(user.userId, 3);
    // The two orders are different aggregates, handled concurrently: compare in template order.
    expect(
      notifications
        .map(({ template, orderId, recipient, channel, sender }) => ({
          template,
          orderId,
          recipient,
          channel,
          sender,
        }))
        .sort((a, b) => TEMPLATE_ORDER.indexOf(a.template) - TEMPLATE_ORDER.indexOf(b.template)),
    ).toEqual([
      {
        template: "welcome",
        orderId: null,
        recipient: user.email,
        channel: "email",
        sender: "log",
      },
      {
        template: "order_confirmed",
        orderId: confirmedOrder,
        recipient: user.email,
        channel: "email",
        sender: "log",
      },
      {
        template: "order_cancelled",
        orderId: cancelledOrder,
        recipient: user.email,
        channel: "email",
        sender: "log",
      },
    ]);

    // The same events redelivered, then republished as new events (new ids) about the same orders.
    await harness.publishAgain(confirmed);
    await harness.publishAgain(cancelled);
    await harness.publish(harness.events.orderConfirmed(confirmedOrder, user.userId));
    const last = await harness.publish(harness.events.orderCancelled(cancelledOrder, user.userId));
    await harness.handledUpTo(consumers.notificationsOnOrders, last.sequence);
    await projectionCaughtUp();

    expect((await harness.list(`?userId=${user.userId}`)).body.notifications).toEqual(
      notifications,
    );
    for (const { id } of notifications) {
      expect(await harness.notificationEventTypes(id)).toEqual([
        "notification.recorded",
        "notification.delivered",
      ]);
    }
  });

  test("retries an order event whose customer is not known yet, and notifies once they register", async () => {
    const user = harness.newUser();
    const orderId = newOrderId();
    const early = harness.events.orderConfirmed(orderId, user.userId);
    await harness.publish(early);
    await waitUntil(
      () =>
        harness.service
          .logs()
          .some((line) => isRetryOf(line, early.id, "notification.recipient-unknown")),
      {
        timeoutMs: 10_000,
        message: "the order.confirmed to fail for its unknown customer",
      },
    );
    expect((await harness.list(`?userId=${user.userId}`)).body.notifications).toEqual([]);

    await harness.publish(harness.events.userRegistered(user));
    const notifications = await harness.deliveredNotifications(user.userId, 2);
    expect(
      notifications.map(({ template, orderId: order, recipient }) => ({
        template,
        orderId: order,
        recipient,
      })),
    ).toEqual(
      expect.arrayContaining([
        { template: "welcome", orderId: null, recipient: user.email },
        { template: "order_confirmed", orderId, recipient: user.email },
      ]),
    );
  });

  test("refuses a listing without a user and lists nothing for an unknown user", async () => {
    const unfiltered = await harness.list("");
    expect(unfiltered.status).toBe(422);
    expect(unfiltered.body).toMatchObject({ code: "request.invalid" });
    expect(await harness.list(`?userId=u-${crypto.randomUUID()}`)).toEqual({
      status: 200,
      body: { notifications: [] },
    });
  });

  test("rebuilds the same notifications from the streams after losing its database", async () => {
    const user = await registeredUser();
    const orderId = newOrderId();
    await harness.publish(harness.events.orderConfirmed(orderId, user.userId));
    const before = await harness.deliveredNotifications(user.userId, 2);

    expect(await harness.service.stop()).toBe(0);
    rmSync(harness.dataDir.path, { recursive: true, force: true });
    await harness.service.restart();

    expect((await harness.list(`?userId=${user.userId}`)).body.notifications).toEqual(before);
  });
});
