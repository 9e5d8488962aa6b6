import { z } from "zod";
import { defineEvent } from "../kit/events/event-contract.ts";
import { aggregateId } from "./ids.ts";
import { skuSchema } from "./inventory.ts";

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
    userId: z.string().min(1),
    items: z.array(orderLine).min(1),
    totalCents: z.number().int().nonnegative(),
    paymentMethod: z.string().min(1),
  }),
  { description: "A customer placed an order; stock and payment are still to come." },
);

export const orderConfirmed = defineEvent(
  "order.confirmed",
  z.object({
    orderId: aggregateId,
    userId: z.string().min(1),
    totalCents: z.number().int().nonnegative(),
  }),
  { description: "Stock is reserved and payment captured: the order will ship." },
);

export const orderCancelled = defineEvent(
  "order.cancelled",
  z.object({ orderId: aggregateId, userId: z.string().min(1), reason: cancellationReason }),
  {
    description:
      "The order will not ship; reserved stock is released and captured payment refunded.",
  },
);

export const orderEvents = [orderPlaced, orderConfirmed, orderCancelled] as const;
