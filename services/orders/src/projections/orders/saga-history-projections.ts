import {
  paymentCaptured,
  paymentDeclined,
  paymentRefunded,
  paymentVoided,
  stockCommitted,
  stockRejected,
  stockReleased,
  stockReserved,
  streams,
  subjects,
} from "@shop/shared/contracts";
import { on, type ProjectionContext, type ProjectionDefinition } from "@shop/shared/kit";
import type { Schema } from "../../db/schema.ts";
import { recordHistory } from "./record-history.ts";

type Context = ProjectionContext<Schema>;

/** Inventory's answers about orders, for the timeline. */
export const stockHistoryProjection: ProjectionDefinition<Schema> = {
  name: "order-stock-history",
  stream: streams.inventory.name,
  filterSubject: subjects.allOrderStock,
  handlers: [
    on(stockReserved, (event, context: Context) => recordHistory(event, context)),
    on(stockRejected, (event, context: Context) =>
      recordHistory(
        event,
        context,
        event.data.shortages
          .map((s) => `${s.sku}: ${s.requested} requested, ${s.available} available`)
          .join("; "),
      ),
    ),
    on(stockReleased, (event, context: Context) => recordHistory(event, context)),
    on(stockCommitted, (event, context: Context) => recordHistory(event, context)),
  ],
};

/** Payments' answers about orders, for the timeline. */
export const paymentHistoryProjection: ProjectionDefinition<Schema> = {
  name: "order-payment-history",
  stream: streams.payments.name,
  filterSubject: subjects.allPayments,
  handlers: [
    on(paymentCaptured, (event, context: Context) => recordHistory(event, context)),
    on(paymentDeclined, (event, context: Context) =>
      recordHistory(event, context, event.data.reason),
    ),
    on(paymentRefunded, (event, context: Context) => recordHistory(event, context)),
    on(paymentVoided, (event, context: Context) => recordHistory(event, context)),
  ],
};
