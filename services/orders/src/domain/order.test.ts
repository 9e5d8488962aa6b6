import { describe, expect, test } from "bun:test";
import { fold } from "@shop/shared/domain";
import { type OrderCommand, type OrderEvent, orderDecider } from "./order.ts";

const placed: OrderEvent = {
  type: "order.placed",
  data: {
    orderId: "o-1",
    userId: "u-1",
    items: [{ sku: "tea", quantity: 2, unitPriceCents: 450 }],
    totalCents: 900,
    paymentMethod: "visa",
  },
};
const confirmed: OrderEvent = {
  type: "order.confirmed",
  data: { orderId: "o-1", userId: "u-1", totalCents: 900 },
};
const cancelled: OrderEvent = {
  type: "order.cancelled",
  data: { orderId: "o-1", userId: "u-1", reason: "out_of_stock" },
};

const given = (...events: OrderEvent[]) => ({
  when: (command: OrderCommand) => () => orderDecider.decide(command, fold(orderDecider, events)),
});

const errorCode = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return "no error";
};

describe("order decider", () => {
  test("places an order with its total computed from the line prices", () => {
    const run = given().when({
      type: "PlaceOrder",
      orderId: "o-1",
      userId: "u-1",
      items: placed.data.items,
      paymentMethod: "visa",
    } as OrderCommand);
    expect(run()).toEqual([placed]);
  });

  test("refuses to place the same order twice", () => {
    const run = given(placed).when({
      type: "PlaceOrder",
      orderId: "o-1",
      userId: "u-1",
      items: [],
      paymentMethod: "visa",
    });
    expect(errorCode(run)).toBe("order.exists");
  });

  test("confirms a pending order once", () => {
    expect(given(placed).when({ type: "ConfirmOrder", orderId: "o-1" })()).toEqual([confirmed]);
    expect(given(placed, confirmed).when({ type: "ConfirmOrder", orderId: "o-1" })()).toEqual([]);
  });

  test("does not confirm a cancelled order (a late payment is refunded by payments)", () => {
    expect(given(placed, cancelled).when({ type: "ConfirmOrder", orderId: "o-1" })()).toEqual([]);
  });

  test("the saga cancels a pending order with its reason", () => {
    const run = given(placed).when({
      type: "CancelOrder",
      orderId: "o-1",
      reason: "payment_declined",
      by: "saga",
    });
    expect(run()).toEqual([
      {
        type: "order.cancelled",
        data: { orderId: "o-1", userId: "u-1", reason: "payment_declined" },
      },
    ]);
  });

  test("the saga's cancellation of a settled order changes nothing", () => {
    expect(
      given(placed, confirmed).when({
        type: "CancelOrder",
        orderId: "o-1",
        reason: "timeout",
        by: "saga",
      })(),
    ).toEqual([]);
    expect(
      given(placed, cancelled).when({
        type: "CancelOrder",
        orderId: "o-1",
        reason: "timeout",
        by: "saga",
      })(),
    ).toEqual([]);
  });

  test("refuses a customer's cancellation once the order is confirmed or cancelled", () => {
    expect(
      errorCode(
        given(placed, confirmed).when({
          type: "CancelOrder",
          orderId: "o-1",
          reason: "customer_cancelled",
          by: "customer",
        }),
      ),
    ).toBe("order.already-confirmed");
    expect(
      errorCode(
        given(placed, cancelled).when({
          type: "CancelOrder",
          orderId: "o-1",
          reason: "customer_cancelled",
          by: "customer",
        }),
      ),
    ).toBe("order.already-cancelled");
  });
});
