import { notificationDelivered, notificationRecorded } from "@shop/shared/contracts";
import { type Decider, type EventOf, validationError } from "@shop/shared/domain";

/** What is sent: the facts recorded before sending. */
export type Notification = EventOf<typeof notificationRecorded>["data"];
export type Channel = Notification["channel"];
export type Template = Notification["template"];

export type RecordNotification = { type: "Record" } & Notification;
export type MarkDelivered = { type: "MarkDelivered"; notificationId: string; sender: string };
export type NotificationCommand = RecordNotification | MarkDelivered;

export type NotificationEvent =
  | EventOf<typeof notificationRecorded>
  | EventOf<typeof notificationDelivered>;

export type NotificationState =
  | { status: "none" }
  | { status: "recorded"; notification: Notification }
  | { status: "delivered" };

/**
 * One aggregate per notification, its id derived from the notification's cause. Both
 * commands are idempotent: recording or delivering again decides no events, so a
 * redelivered cause neither records a second notification nor marks it twice.
 */
export const notificationDecider: Decider<
  NotificationCommand,
  NotificationEvent,
  NotificationState
> = {
  events: [notificationRecorded, notificationDelivered],
  initialState: { status: "none" },

  evolve(_state, event) {
    switch (event.type) {
      case "notification.recorded":
        return { status: "recorded", notification: event.data };
      case "notification.delivered":
        return { status: "delivered" };
      default: {
        const unknown: never = event;
        throw new Error(`unhandled ${JSON.stringify(unknown)}`);
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case "Record": {
        if (state.status !== "none") return [];
        const { notificationId, userId, channel, template, recipient, orderId } = command;
        if (template !== "welcome" && orderId === undefined) {
          throw validationError(
            "notification.order-missing",
            `a ${template} notification names its order`,
            {
              notificationId,
            },
          );
        }
        return [
          {
            type: "notification.recorded",
            data: {
              notificationId,
              userId,
              channel,
              template,
              recipient,
              ...(orderId === undefined ? {} : { orderId }),
            },
          },
        ];
      }
      case "MarkDelivered": {
        if (state.status !== "recorded") return [];
        const { notificationId, sender } = command;
        return [{ type: "notification.delivered", data: { notificationId, sender } }];
      }
      default: {
        const unknown: never = command;
        throw new Error(`unhandled ${JSON.stringify(unknown)}`);
      }
    }
  },
};
