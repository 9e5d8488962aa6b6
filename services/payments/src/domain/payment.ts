import {
  paymentCaptured,
  paymentDeclined,
  paymentRefunded,
  paymentVoided,
} from "@shop/shared/contracts";
import type { Decider, EventOf } from "@shop/shared/domain";

export type RecordCapture = {
  type: "RecordCapture";
  orderId: string;
  userId: string;
  amountCents: number;
  paymentId: string;
};
export type RecordDecline = {
  type: "RecordDecline";
  orderId: string;
  userId: string;
  amountCents: number;
  reason: string;
};
export type Refund = { type: "Refund"; orderId: string };
export type Void = { type: "Void"; orderId: string; userId?: string | undefined };
export type PaymentCommand = RecordCapture | RecordDecline | Refund | Void;

export type PaymentEvent =
  | EventOf<typeof paymentCaptured>
  | EventOf<typeof paymentDeclined>
  | EventOf<typeof paymentRefunded>
  | EventOf<typeof paymentVoided>;

export type PaymentState =
  | { status: "none" }
  | { status: "captured"; paymentId: string; userId: string; amountCents: number }
  | { status: "declined" }
  | { status: "refunded" }
  | { status: "voided" };

/**
 * One payment per order. Every command is idempotent: a fact already settled turns the
 * command into no events, so a redelivered message or a second attempt changes nothing.
 * Voiding before any charge is final, so a cancelled order is never charged later.
 */
export const paymentDecider: Decider<PaymentCommand, PaymentEvent, PaymentState> = {
  events: [paymentCaptured, paymentDeclined, paymentRefunded, paymentVoided],
  initialState: { status: "none" },

  evolve(_state, event) {
    switch (event.type) {
      case "payment.captured": {
        const { paymentId, userId, amountCents } = event.data;
        return { status: "captured", paymentId, userId, amountCents };
      }
      case "payment.declined":
        return { status: "declined" };
      case "payment.refunded":
        return { status: "refunded" };
      case "payment.voided":
        return { status: "voided" };
      default: {
        const unknown: never = event;
        throw new Error(`unhandled ${JSON.stringify(unknown)}`);
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case "RecordCapture": {
        if (state.status !== "none") return [];
        const { orderId, userId, amountCents, paymentId } = command;
        return [{ type: "payment.captured", data: { orderId, userId, amountCents, paymentId } }];
      }
      case "RecordDecline": {
        if (state.status !== "none") return [];
        const { orderId, userId, amountCents, reason } = command;
        return [{ type: "payment.declined", data: { orderId, userId, amountCents, reason } }];
      }
      case "Refund": {
        if (state.status !== "captured") return [];
        const { paymentId, userId, amountCents } = state;
        return [
          {
            type: "payment.refunded",
            data: { orderId: command.orderId, userId, amountCents, paymentId },
          },
        ];
      }
      case "Void":
        return state.status === "none"
          ? [
              {
                type: "payment.voided",
                data: command.userId
                  ? { orderId: command.orderId, userId: command.userId }
                  : { orderId: command.orderId },
              },
            ]
          : [];
      default: {
        const unknown: never = command;
        throw new Error(`unhandled ${JSON.stringify(unknown)}`);
      }
    }
  },
};
