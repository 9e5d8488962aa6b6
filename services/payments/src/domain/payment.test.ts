import { describe, expect, test } from "bun:test";
import { fold } from "@shop/shared/domain";
import { type PaymentCommand, type PaymentEvent, paymentDecider } from "./payment.ts";

const terms = { orderId: "o-1", userId: "u-1", amountCents: 2_500 };
const captured: PaymentEvent = { type: "payment.captured", data: { ...terms, paymentId: "pay_1" } };
const declined: PaymentEvent = {
  type: "payment.declined",
  data: { ...terms, reason: "card_declined" },
};
const refunded: PaymentEvent = { type: "payment.refunded", data: { ...terms, paymentId: "pay_1" } };
const voided: PaymentEvent = { type: "payment.voided", data: { orderId: "o-1" } };

const recordCapture: PaymentCommand = { type: "RecordCapture", ...terms, paymentId: "pay_1" };
const recordDecline: PaymentCommand = { type: "RecordDecline", ...terms, reason: "card_declined" };
const refund: PaymentCommand = { type: "Refund", orderId: "o-1" };
const voidPayment: PaymentCommand = { type: "Void", orderId: "o-1" };

/** Given past events, when a command: the events it decides. */
const given = (past: PaymentEvent[]) => ({
  when: (command: PaymentCommand) => paymentDecider.decide(command, fold(paymentDecider, past)),
});

describe("payment decider", () => {
  test("records a capture for an order not yet paid", () => {
    expect(given([]).when(recordCapture)).toEqual([captured]);
  });

  test("records a decline for an order not yet paid", () => {
    expect(given([]).when(recordDecline)).toEqual([declined]);
  });

  test("records a capture or a decline only once", () => {
    for (const past of [[captured], [declined], [captured, refunded]]) {
      expect(given(past).when(recordCapture)).toEqual([]);
      expect(given(past).when(recordDecline)).toEqual([]);
    }
  });

  test("never charges a voided order", () => {
    expect(given([voided]).when(recordCapture)).toEqual([]);
    expect(given([voided]).when(recordDecline)).toEqual([]);
  });

  test("refunds a capture with the captured payment's facts", () => {
    expect(given([captured]).when(refund)).toEqual([refunded]);
  });

  test("refunds only a capture, and only once", () => {
    for (const past of [[], [declined], [voided], [captured, refunded]]) {
      expect(given(past).when(refund)).toEqual([]);
    }
  });

  test("voids an order before any charge", () => {
    expect(given([]).when(voidPayment)).toEqual([voided]);
  });

  test("does not void once the payment is settled", () => {
    for (const past of [[captured], [declined], [captured, refunded], [voided]]) {
      expect(given(past).when(voidPayment)).toEqual([]);
    }
  });

  test("folds each fact into its state", () => {
    expect(fold(paymentDecider, [])).toEqual({ status: "none" });
    expect(fold(paymentDecider, [captured])).toEqual({
      status: "captured",
      paymentId: "pay_1",
      userId: "u-1",
      amountCents: 2_500,
    });
    expect(fold(paymentDecider, [declined])).toEqual({ status: "declined" });
    expect(fold(paymentDecider, [captured, refunded])).toEqual({ status: "refunded" });
    expect(fold(paymentDecider, [voided])).toEqual({ status: "voided" });
  });
});
