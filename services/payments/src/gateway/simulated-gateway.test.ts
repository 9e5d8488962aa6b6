import { describe, expect, test } from "bun:test";
import { createSimulatedGateway } from "./simulated-gateway.ts";

const options = { limitCents: 100_000, declinedMethods: ["card_declined", "4000000000000002"] };

describe("simulated gateway", () => {
  test("captures an accepted method within the limit, with an id derived from the key", async () => {
    const gateway = createSimulatedGateway(options);
    const result = await gateway.capture({
      idempotencyKey: "o-1",
      amountCents: 100_000,
      paymentMethod: "visa",
    });
    expect(result).toEqual({
      status: "captured",
      paymentId: expect.stringMatching(/^pay_[0-9a-f]{24}$/),
    });
    const again = await createSimulatedGateway(options).capture({
      idempotencyKey: "o-1",
      amountCents: 100_000,
      paymentMethod: "visa",
    });
    expect(again).toEqual(result);
    expect(gateway.charges()).toEqual([
      {
        idempotencyKey: "o-1",
        amountCents: 100_000,
        paymentMethod: "visa",
        paymentId: (result as { paymentId: string }).paymentId,
      },
    ]);
  });

  test("declines every listed payment method", async () => {
    const gateway = createSimulatedGateway(options);
    for (const paymentMethod of options.declinedMethods) {
      expect(
        await gateway.capture({
          idempotencyKey: `o-${paymentMethod}`,
          amountCents: 100,
          paymentMethod,
        }),
      ).toEqual({
        status: "declined",
        reason: "card_declined",
      });
    }
    expect(gateway.charges()).toEqual([]);
  });

  test("declines amounts above the limit", async () => {
    const gateway = createSimulatedGateway(options);
    expect(
      await gateway.capture({
        idempotencyKey: "o-big",
        amountCents: 100_001,
        paymentMethod: "visa",
      }),
    ).toEqual({
      status: "declined",
      reason: "amount_over_limit",
    });
    expect(gateway.charges()).toEqual([]);
  });

  test("answers the same key with the same result and charges once", async () => {
    const gateway = createSimulatedGateway(options);
    const request = { idempotencyKey: "o-2", amountCents: 1_200, paymentMethod: "visa" };
    const first = await gateway.capture(request);
    const second = await gateway.capture(request);
    const concurrent = await Promise.all([gateway.capture(request), gateway.capture(request)]);
    expect(first.status).toBe("captured");
    expect(second).toEqual(first);
    expect(concurrent).toEqual([first, first]);
    expect(gateway.charges()).toHaveLength(1);
  });

  test("keeps a decline for its key", async () => {
    const gateway = createSimulatedGateway(options);
    await gateway.capture({
      idempotencyKey: "o-3",
      amountCents: 100,
      paymentMethod: "card_declined",
    });
    expect(
      await gateway.capture({ idempotencyKey: "o-3", amountCents: 100, paymentMethod: "visa" }),
    ).toEqual({
      status: "declined",
      reason: "card_declined",
    });
    expect(gateway.charges()).toEqual([]);
  });

  test("refunds once per key", async () => {
    const gateway = createSimulatedGateway(options);
    const request = { idempotencyKey: "o-4.refund", paymentId: "pay_x", amountCents: 1_200 };
    const first = await gateway.refund(request);
    expect(first.refundId).toMatch(/^re_[0-9a-f]{24}$/);
    expect(await gateway.refund(request)).toEqual(first);
    expect(gateway.refunds()).toEqual([{ ...request, refundId: first.refundId }]);
  });
});
