import { expect, test } from "bun:test";
import pino from "pino";
import type { Notification } from "../domain/notification.ts";
import { createLogSender } from "./log-sender.ts";

test("logs the notification it sends", async () => {
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
  const notification: Notification = {
    notificationId: "n-1",
    userId: "u-1",
    channel: "email",
    template: "welcome",
    recipient: "ada@example.com",
  };
  const sender = createLogSender(logger);
  await sender.send(notification);
  expect(sender.name).toBe("log");
  expect(lines.map((line) => JSON.parse(line))).toEqual([
    expect.objectContaining({ level: 30, msg: "notification sent", notification }),
  ]);
});
