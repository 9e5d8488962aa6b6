import {
  paymentCaptured,
  paymentDeclined,
  paymentRefunded,
  paymentVoided,
  streams,
  subjects,
} from "@shop/shared/contracts";
import { on, type ProjectionContext, type ProjectionDefinition } from "@shop/shared/kit";
import { payments, type Schema } from "../../db/schema.ts";

type Context = ProjectionContext<Schema>;
type PaymentRow = typeof payments.$inferInsert;

/** A projection applies its stream in order, so a payment's latest fact wins. */
const upsert = (tx: Context["tx"], row: PaymentRow) => {
  const { orderId: _key, ...changes } = row;
  return tx
    .insert(payments)
    .values(row)
    .onConflictDoUpdate({ target: payments.orderId, set: changes });
};

export const paymentsProjection: ProjectionDefinition<Schema> = {
  name: "payments",
  stream: streams.payments.name,
  filterSubject: subjects.allPayments,
  handlers: [
    on(paymentCaptured, async (event, { tx }: Context) => {
      const { orderId, userId, amountCents, paymentId } = event.data;
      await upsert(tx, {
        orderId,
        userId,
        amountCents,
        status: "captured",
        paymentId,
        reason: null,
        updatedAt: event.time,
      });
    }),
    on(paymentDeclined, async (event, { tx }: Context) => {
      const { orderId, userId, amountCents, reason } = event.data;
      await upsert(tx, {
        orderId,
        userId,
        amountCents,
        status: "declined",
        paymentId: null,
        reason,
        updatedAt: event.time,
      });
    }),
    on(paymentRefunded, async (event, { tx }: Context) => {
      const { orderId, userId, amountCents, paymentId } = event.data;
      await upsert(tx, {
        orderId,
        userId,
        amountCents,
        status: "refunded",
        paymentId,
        reason: null,
        updatedAt: event.time,
      });
    }),
    on(paymentVoided, async (event, { tx }: Context) => {
      await upsert(tx, {
        orderId: event.data.orderId,
        userId: event.data.userId ?? null,
        status: "voided",
        updatedAt: event.time,
      });
    }),
  ],
};
