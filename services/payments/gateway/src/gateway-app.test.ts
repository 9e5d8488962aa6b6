import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createLogger, createMetrics } from "@shop/shared/kit";
import { createTempDir } from "@shop/shared/testing";
import { createGatewayApp, REPLAYED_HEADER } from "./gateway-app.ts";
import { type Charge, type Ledger, openLedger } from "./ledger.ts";

const temp = createTempDir("card-gateway-app");
const rules = { limitCents: 100_000, declinedMethods: ["card_declined", "4000000000000002"] };
const logger = createLogger({ service: "card-gateway-test", level: "silent" });
const opened: Ledger[] = [];

afterEach(() => {
  for (const ledger of opened.splice(0)) ledger.close();
});
afterAll(() => temp.cleanup());

/** A gateway over the ledger file `name`: the same name after `close()` is the same gateway restarted. */
function gateway(name: string, latencyMs = 0) {
  const ledger = openLedger(join(temp.path, `${name}.db`));
  opened.push(ledger);
  const app = createGatewayApp({
    ledger,
    rules,
    logger,
    metrics: createMetrics({ service: "card-gateway-test", defaults: false }),
    latencyMs,
  });
  const post = async (path: string, key: string | undefined, body: unknown) => {
    const response = await app.request(path, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(key === undefined ? {} : { "idempotency-key": key }),
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      replayed: response.headers.get(REPLAYED_HEADER) === "true",
      body: (await response.json()) as any,
    };
  };
  return {
    ledger,
    /** A request with no body at all, as a fuzzer or a broken client sends it. */
    bodiless: (path: string, key: string) =>
      app.request(path, { method: "POST", headers: { "idempotency-key": key } }),
    charge: (key: string | undefined, amountCents: number, paymentMethod = "visa") =>
      post("/charges", key, { amountCents, paymentMethod }),
    refund: (key: string, chargeId: string, amountCents: number) =>
      post("/refunds", key, { chargeId, amountCents }),
    charges: async (query = ""): Promise<Charge[]> =>
      ((await (await app.request(`/charges${query}`)).json()) as { charges: Charge[] }).charges,
  };
}

describe("card gateway", () => {
  test("answers a charge or refund with no body with 422 problem+json, and stores nothing", async () => {
    const g = gateway("bodiless");
    for (const path of ["/charges", "/refunds"]) {
      const response = await g.bodiless(path, `k-${path}`);
      expect(response.status).toBe(422);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(await g.charges()).toEqual([]);
  });

  test("captures an accepted method within the limit and lists the charge", async () => {
    const g = gateway("capture");
    const { status, replayed, body } = await g.charge("o-1", 100_000);
    expect(status).toBe(201);
    expect(replayed).toBe(false);
    expect(body).toEqual({
      id: expect.stringMatching(/^ch_[0-9a-f]{32}$/),
      idempotencyKey: "o-1",
      status: "captured",
      declineReason: null,
      amountCents: 100_000,
      paymentMethod: "visa",
      refundedCents: 0,
      createdAt: expect.any(String),
    });
    expect(await g.charges()).toEqual([body]);
    expect(await g.charges("?idempotencyKey=o-1")).toEqual([body]);
    expect(await g.charges("?idempotencyKey=o-unknown")).toEqual([]);
  });

  test("answers the same key with the first charge and charges once, concurrent requests included", async () => {
    const g = gateway("replay");
    const first = await g.charge("o-2", 1_200);
    const again = await g.charge("o-2", 1_200);
    const concurrent = await Promise.all([g.charge("o-2", 1_200), g.charge("o-2", 1_200)]);
    expect(again).toEqual({ status: 200, replayed: true, body: first.body });
    expect(concurrent.map((answer) => answer.body)).toEqual([first.body, first.body]);
    expect(await g.charges()).toHaveLength(1);
  });

  test("keeps answering a key with its charge after the gateway restarts", async () => {
    const before = gateway("restart");
    const first = await before.charge("o-3", 2_500);
    const declined = await before.charge("o-3-declined", 2_500, "card_declined");
    before.ledger.close();
    opened.splice(0);

    const after = gateway("restart");
    expect(await after.charge("o-3", 2_500)).toEqual({
      status: 200,
      replayed: true,
      body: first.body,
    });
    expect(await after.charge("o-3-declined", 2_500, "visa")).toEqual({
      status: 402,
      replayed: true,
      body: declined.body,
    });
    expect((await after.charges()).map((charge) => charge.id)).toEqual([
      first.body.id,
      declined.body.id,
    ]);
  });

  test("declines listed methods and amounts over the limit with 402, and keeps the decline for its key", async () => {
    const g = gateway("declines");
    for (const paymentMethod of rules.declinedMethods) {
      const { status, body } = await g.charge(`o-${paymentMethod}`, 100, paymentMethod);
      expect(status).toBe(402);
      expect(body).toMatchObject({ status: "declined", declineReason: "card_declined" });
    }
    const big = await g.charge("o-big", 100_001);
    expect(big.status).toBe(402);
    expect(big.body).toMatchObject({ status: "declined", declineReason: "amount_over_limit" });
    expect(await g.charge("o-big", 100)).toEqual({ status: 402, replayed: true, body: big.body });
    expect((await g.charges()).filter((charge) => charge.status === "captured")).toEqual([]);
  });

  test("refunds a charge once per key, and refuses what it cannot refund", async () => {
    const g = gateway("refunds");
    const { body: charge } = await g.charge("o-4", 1_500);
    const { body: declined } = await g.charge("o-5", 1_500, "card_declined");

    const first = await g.refund("o-4.refund", charge.id, 1_500);
    expect(first).toMatchObject({ status: 201, replayed: false });
    expect(first.body).toMatchObject({ chargeId: charge.id, amountCents: 1_500 });
    expect(await g.refund("o-4.refund", charge.id, 1_500)).toEqual({
      status: 200,
      replayed: true,
      body: first.body,
    });
    expect(await g.charges("?idempotencyKey=o-4")).toEqual([{ ...charge, refundedCents: 1_500 }]);

    expect((await g.refund("o-4.again", charge.id, 1)).body.code).toBe("refund.exceeds-charge");
    expect((await g.refund("o-5.refund", declined.id, 1)).body.code).toBe(
      "refund.charge-not-captured",
    );
    const unknown = await g.refund("o-6.refund", "ch_unknown", 1);
    expect([unknown.status, unknown.body.code]).toEqual([404, "charge.not-found"]);
  });

  test("refuses a charge without an idempotency key, and stores nothing", async () => {
    const g = gateway("no-key");
    const { status, body } = await g.charge(undefined, 100);
    expect(status).toBe(422);
    expect(body.code).toBe("request.invalid");
    expect(await g.charges()).toEqual([]);
  });

  test("with latency, a charge is stored before it is answered", async () => {
    const g = gateway("latency", 400);
    const answer = g.charge("o-7", 900);
    await Bun.sleep(200);
    const stored = await g.charges("?idempotencyKey=o-7");
    expect(stored).toHaveLength(1);
    expect((await answer).body).toEqual(stored[0]);
  });
});
