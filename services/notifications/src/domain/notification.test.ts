import { describe, expect, test } from "bun:test";
import { fold, isValidation } from "@shop/shared/domain";
import {
  type Notification,
  type NotificationCommand,
  type NotificationEvent,
  notificationDecider,
} from "./notification.ts";

const welcome: Notification = {
  notificationId: "n-1",
  userId: "u-1",
  channel: "email",
  template: "welcome",
  recipient: "ada@example.com",
};
const orderConfirmed: Notification = {
  notificationId: "n-2",
  userId: "u-1",
  channel: "webhook",
  template: "order_confirmed",
  recipient: "ada@example.com",
  orderId: "o-1",
};

const recorded: NotificationEvent = { type: "notification.recorded", data: welcome };
const delivered: NotificationEvent = {
  type: "notification.delivered",
  data: { notificationId: "n-1", sender: "log" },
};

const record: NotificationCommand = { type: "Record", ...welcome };
const markDelivered: NotificationCommand = {
  type: "MarkDelivered",
  notificationId: "n-1",
  sender: "log",
};

/** Given past events, when a command: the events it decides. */
const given = (past: NotificationEvent[]) => ({
  when: (command: NotificationCommand) =>
    notificationDecider.decide(command, fold(notificationDecider, past)),
});

describe("notification decider", () => {
  test("records a notification not seen before", () => {
    expect(given([]).when(record)).toEqual([recorded]);
  });

  test("records an order notification with its order", () => {
    expect(given([]).when({ type: "Record", ...orderConfirmed })).toEqual([
      { type: "notification.recorded", data: orderConfirmed },
    ]);
  });

  test("records a notification only once, delivered or not", () => {
    expect(given([recorded]).when(record)).toEqual([]);
    expect(given([recorded, delivered]).when(record)).toEqual([]);
    expect(given([recorded]).when({ ...record, recipient: "other@example.com" })).toEqual([]);
  });

  test("refuses an order notification without its order", () => {
    const { orderId: _orderId, ...withoutOrder } = orderConfirmed;
    let thrown: unknown;
    try {
      given([]).when({ type: "Record", ...withoutOrder });
    } catch (err) {
      thrown = err;
    }
    expect(isValidation(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toBe("notification.order-missing");
  });

  test("marks a recorded notification delivered, naming the sender", () => {
    expect(given([recorded]).when(markDelivered)).toEqual([delivered]);
  });

  test("marks a notification delivered only once", () => {
    expect(given([recorded, delivered]).when(markDelivered)).toEqual([]);
  });

  test("does not mark a notification that was never recorded", () => {
    expect(given([]).when(markDelivered)).toEqual([]);
  });

  test("keeps what was recorded as the notification to send", () => {
    expect(fold(notificationDecider, [recorded])).toEqual({
      status: "recorded",
      notification: welcome,
    });
    expect(fold(notificationDecider, [recorded, delivered])).toEqual({ status: "delivered" });
  });
});
