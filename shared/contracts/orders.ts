import { z } from "zod";
import { defineEvent } from "../kit/events/event-contract.ts";
import { aggregateId } from "./ids.ts";
import { skuSchema } from "./inventory.ts";
import { userIdSchema } from "./users.ts";

/** The largest order total a card processor charges (the card gateway's limit). */
export const MAX_TOTAL_CENTS = 1_000_000_000;

/** How the customer pays, as the payment gateway names it. */
export const paymentMethodSchema = z.string().min(1).max(64);
/** Most lines in one order: keeps every order event far below the broker's max_payload. */
export const MAX_ORDER_LINES = 100;

export const orderLine = z.object({
  sku: skuSchema,
  quantity: z.number().int().positive().max(1_000_000),
  unitPriceCents: z.number().int().nonnegative().max(1_000_000_000),
});

export const cancellationReason = z.enum([
  "out_of_stock",
  "payment_declined",
  "customer_cancelled",
  "timeout",
]);
export type CancellationReason = z.infer<typeof cancellationReason>;

export const orderPlaced = defineEvent(
  "order.placed",
  z.object({
    orderId: aggregateId,
    userId: userIdSchema,
    items: z.array(orderLine).min(1).max(MAX_ORDER_LINES),
    totalCents: z.number().int().nonnegative().max(MAX_TOTAL_CENTS),
    paymentMethod: paymentMethodSchema,
  }),
  { description: "A customer placed an order; stock and payment are still to come." },
);

export const orderConfirmed = defineEvent(
  "order.confirmed",
  z.object({
    orderId: aggregateId,
    userId: userIdSchema,
    totalCents: z.number().int().nonnegative().max(MAX_TOTAL_CENTS),
  }),
  { description: "Stock is reserved and payment captured: the order will ship." },
);

export const orderCancelled = defineEvent(
  "order.cancelled",
  z.object({ orderId: aggregateId, userId: userIdSchema, reason: cancellationReason }),
  {
    description:
      "The order will not ship; reserved stock is released and captured payment refunded.",
  },
);

export const orderEvents = [orderPlaced, orderConfirmed, orderCancelled] as const;
