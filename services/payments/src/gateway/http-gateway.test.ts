import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { isPermanent, isUnavailable } from "@shop/shared/kit";
import {
  createTempDir,
  getFreePort,
  requestJson,
  type ServiceProcessHandle,
  startServiceProcess,
  waitFor,
} from "@shop/shared/testing";
import { createHttpGateway } from "./http-gateway.ts";

/** Every answer of this gateway comes this long after the charge is stored. */
const LATENCY_MS = 500;
const temp = createTempDir("payments-http-gateway");
let cardGateway: ServiceProcessHandle;

beforeAll(async () => {
  const port = await getFreePort();
  cardGateway = await startServiceProcess({
    name: "card-gateway",
    entry: `${import.meta.dir}/../../gateway/src/main.ts`,
    port,
    env: {
      PORT: String(port),
      DATA_DIR: temp.path,
      LOG_LEVEL: "warn",
      PAYMENT_LIMIT_CENTS: "100000",
      PAYMENT_DECLINED_METHODS: "card_declined",
      CARD_GATEWAY_LATENCY_MS: String(LATENCY_MS),
    },
  });
});

afterAll(async () => {
  await cardGateway?.stop();
  await temp.cleanup();
});

const patient = () => createHttpGateway({ url: cardGateway.url, timeoutMs: 5_000 });
const newKey = () => `o-${crypto.randomUUID()}`;

/** The charges the card gateway holds under `key`. */
const chargesOf = async (key: string) =>
  (
    await requestJson<{ charges: { id: string; status: string }[] }>(
      cardGateway.url,
      "GET",
      `/charges?idempotencyKey=${key}`,
    )
  ).body.charges;

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => err,
  );

describe("HTTP payment gateway", () => {
  test("captures, answers a repeated key with the same charge, finds and refunds it once", async () => {
    const gateway = patient();
    const key = newKey();
    const request = { idempotencyKey: key, amountCents: 1_800, paymentMethod: "visa" };
    const first = await gateway.capture(request);
    expect(first).toEqual({ status: "captured", paymentId: expect.stringMatching(/^ch_/) });
    expect(await gateway.capture(request)).toEqual(first);
    expect(await chargesOf(key)).toHaveLength(1);

    const { paymentId } = first as { paymentId: string };
    expect(await gateway.findCharge(key)).toEqual({ paymentId, amountCents: 1_800 });
    const refund = { idempotencyKey: `${key}.refund`, paymentId, amountCents: 1_800 };
    const refunded = await gateway.refund(refund);
    expect(refunded.refundId).toMatch(/^re_/);
    expect(await gateway.refund(refund)).toEqual(refunded);
  });

  test("a decline is an answer, and nothing is found to refund for it", async () => {
    const gateway = patient();
    const key = newKey();
    expect(
      await gateway.capture({
        idempotencyKey: key,
        amountCents: 100,
        paymentMethod: "card_declined",
      }),
    ).toEqual({ status: "declined", reason: "card_declined" });
    expect(
      await gateway.capture({
        idempotencyKey: newKey(),
        amountCents: 100_001,
        paymentMethod: "visa",
      }),
    ).toEqual({ status: "declined", reason: "amount_over_limit" });
    expect(await gateway.findCharge(key)).toBeUndefined();
    expect(await gateway.findCharge(newKey())).toBeUndefined();
  });

  test("a timeout is unavailable although the charge was taken; the retry with the same key gets that charge", async () => {
    const key = newKey();
    const request = { idempotencyKey: key, amountCents: 2_000, paymentMethod: "visa" };
    const hasty = createHttpGateway({ url: cardGateway.url, timeoutMs: LATENCY_MS / 2 });
    const err = await rejection(hasty.capture(request));
    expect(isUnavailable(err)).toBe(true);
    expect(err).toMatchObject({ code: "payment.gateway-unavailable" });

    const taken = await waitFor(async () => (await chargesOf(key))[0], {
      timeoutMs: 3_000,
      message: "the timed-out charge on the gateway's ledger",
    });
    expect(taken.status).toBe("captured");
    expect(await patient().capture(request)).toEqual({ status: "captured", paymentId: taken.id });
    expect(await chargesOf(key)).toHaveLength(1);
  });

  test("a gateway that is down or answers 5xx is unavailable", async () => {
    const request = { idempotencyKey: newKey(), amountCents: 100, paymentMethod: "visa" };
    const nobody = createHttpGateway({
      url: `http://127.0.0.1:${await getFreePort()}`,
      timeoutMs: 1_000,
    });
    expect(isUnavailable(await rejection(nobody.capture(request)))).toBe(true);

    const failing = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Response("processor overloaded", { status: 503 }),
    });
    try {
      const overloaded = createHttpGateway({ url: failing.url.href, timeoutMs: 1_000 });
      expect(isUnavailable(await rejection(overloaded.capture(request)))).toBe(true);
      expect(isUnavailable(await rejection(overloaded.findCharge("o-1")))).toBe(true);
    } finally {
      await failing.stop(true);
    }
  });

  test("a refund the gateway refuses is a permanent error, not retried", async () => {
    const err = await rejection(
      patient().refund({ idempotencyKey: `${newKey()}.refund`, paymentId: "ch_x", amountCents: 1 }),
    );
    expect(isPermanent(err)).toBe(true);
    expect(err).toMatchObject({
      code: "payment.gateway-refused",
      details: { status: 404, body: expect.objectContaining({ code: "charge.not-found" }) },
    });
  });
});
