import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { consumers, contracts, streams, subjects } from "@shop/shared/contracts";
import { aggregateEvents, type ConsumerSpec, decodeEvent, readSubject } from "@shop/shared/kit";
import { type ServiceTestBed, startServiceTestBed, waitFor, waitUntil } from "@shop/shared/testing";

let bed: ServiceTestBed;

beforeAll(async () => {
  bed = await startServiceTestBed({ name: "payments", entry: `${import.meta.dir}/main.ts` });
});

afterAll(async () => {
  await bed?.stop();
});

const newOrderId = () => `o-${crypto.randomUUID()}`;

const orderPlaced = (orderId: string, paymentMethod: string, totalCents = 2_400) =>
  bed.publisher.envelope(
    {
      type: "order.placed",
      data: {
        orderId,
        userId: `u-${orderId}`,
        items: [{ sku: "MUG-1", quantity: 2, unitPriceCents: totalCents / 2 }],
        totalCents,
        paymentMethod,
      },
    },
    { subject: subjects.order(orderId) },
  );
const stockReserved = (orderId: string) =>
  bed.publisher.envelope(
    { type: "stock.reserved", data: { orderId, items: [{ sku: "MUG-1", quantity: 2 }] } },
    { subject: subjects.orderStock(orderId) },
  );
const orderCancelled = (orderId: string) =>
  bed.publisher.envelope(
    {
      type: "order.cancelled",
      data: { orderId, userId: `u-${orderId}`, reason: "customer_cancelled" },
    },
    { subject: subjects.order(orderId) },
  );

const place = (orderId: string, paymentMethod = "visa") =>
  bed.publish(orderPlaced(orderId, paymentMethod), subjects.order(orderId));
const reserve = (orderId: string) =>
  bed.publish(stockReserved(orderId), subjects.orderStock(orderId));
const cancel = (orderId: string) => bed.publish(orderCancelled(orderId), subjects.order(orderId));

interface Payment {
  orderId: string;
  userId: string | null;
  amountCents: number | null;
  status: string;
  paymentId: string | null;
  reason: string | null;
}

const listPayments = (query: string) =>
  bed.api<{ payments: Payment[] }>("GET", `/payments?${query}`);

/** The order's payment once the read model shows it in `status`. */
const paymentWithStatus = (orderId: string, status: string) =>
  waitFor(
    async () => {
      const { body } = await listPayments(`orderId=${orderId}`);
      return body.payments.find((p) => p.status === status);
    },
    { timeoutMs: 8_000, message: `payment of ${orderId} to be ${status}` },
  );

const paymentEventTypes = async (orderId: string) => {
  const { messages } = await readSubject(
    bed.client,
    streams.payments.name,
    aggregateEvents(subjects.payment(orderId)),
  );
  return messages.map((message) => decodeEvent(contracts, message).type);
};

/** Resolves once `spec`'s consumer has settled everything in its stream up to `sequence`. */
const handledUpTo = (spec: ConsumerSpec, sequence: number) =>
  waitUntil(
    async () => {
      const info = await bed.client.jsm.consumers.info(spec.stream, spec.durable);
      return (
        info.ack_floor.stream_seq >= sequence &&
        info.num_pending === 0 &&
        info.num_ack_pending === 0
      );
    },
    { timeoutMs: 8_000, message: `${spec.durable} to settle up to ${sequence}` },
  );

describe("payments service", () => {
  test("captures an order once its stock is reserved", async () => {
    const orderId = newOrderId();
    await place(orderId);
    await reserve(orderId);
    const payment = await paymentWithStatus(orderId, "captured");
    expect(payment).toMatchObject({
      orderId,
      userId: `u-${orderId}`,
      amountCents: 2_400,
      reason: null,
    });
    expect(payment.paymentId).toMatch(/^pay_/);
    expect((await listPayments(`userId=u-${orderId}`)).body.payments).toEqual([
      expect.objectContaining({ orderId, status: "captured" }),
    ]);
    expect(await paymentEventTypes(orderId)).toEqual(["payment.captured"]);
  });

  test("records a decline for a declined payment method", async () => {
    const orderId = newOrderId();
    await place(orderId, "card_declined");
    await reserve(orderId);
    const payment = await paymentWithStatus(orderId, "declined");
    expect(payment).toMatchObject({
      orderId,
      amountCents: 2_400,
      paymentId: null,
      reason: "card_declined",
    });
    expect(await paymentEventTypes(orderId)).toEqual(["payment.declined"]);
  });

  test("refunds a captured payment when its order is cancelled", async () => {
    const orderId = newOrderId();
    await place(orderId);
    await reserve(orderId);
    const captured = await paymentWithStatus(orderId, "captured");
    await cancel(orderId);
    const refunded = await paymentWithStatus(orderId, "refunded");
    expect(refunded).toMatchObject({ amountCents: 2_400, paymentId: captured.paymentId });
    expect(await paymentEventTypes(orderId)).toEqual(["payment.captured", "payment.refunded"]);
  });

  test("voids an order cancelled before its stock is reserved and never charges it", async () => {
    const orderId = newOrderId();
    await place(orderId);
    await cancel(orderId);
    await paymentWithStatus(orderId, "voided");
    const reserved = await reserve(orderId);
    await handledUpTo(consumers.paymentsOnInventory, reserved.sequence);
    expect((await listPayments(`orderId=${orderId}`)).body.payments).toEqual([
      expect.objectContaining({ orderId, status: "voided" }),
    ]);
    expect(await paymentEventTypes(orderId)).toEqual(["payment.voided"]);
  });

  test("charges once however often stock.reserved arrives", async () => {
    const orderId = newOrderId();
    await place(orderId);
    const reserved = stockReserved(orderId);
    await bed.publish(reserved, subjects.orderStock(orderId));
    // The same event again past the broker's dedupe (a new message id), then a second event for the order.
    await bed.publishAgain(reserved, subjects.orderStock(orderId));
    const last = await reserve(orderId);
    await handledUpTo(consumers.paymentsOnInventory, last.sequence);
    await paymentWithStatus(orderId, "captured");
    expect(await paymentEventTypes(orderId)).toEqual(["payment.captured"]);
  });

  test("captures once order.placed arrives after stock.reserved", async () => {
    const orderId = newOrderId();
    await reserve(orderId);
    await place(orderId);
    await paymentWithStatus(orderId, "captured");
    expect(await paymentEventTypes(orderId)).toEqual(["payment.captured"]);
  });

  test("lists nothing for an unknown order and refuses a query without a filter", async () => {
    expect(await listPayments(`orderId=${newOrderId()}`)).toEqual({
      status: 200,
      body: { payments: [] },
    });
    const unfiltered = await bed.api("GET", "/payments");
    expect(unfiltered.status).toBe(422);
    expect(unfiltered.body).toMatchObject({ code: "request.invalid" });
  });
});
