import { z } from "zod";
import { defineEvent } from "../kit/events/event-contract.ts";
import { aggregateId } from "./ids.ts";

const sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only");
const stockLine = z.object({ sku, quantity: z.number().int().positive().max(1_000_000) });

export const productDefined = defineEvent(
  "product.defined",
  z.object({
    sku,
    name: z.string().min(1).max(200),
    priceCents: z.number().int().nonnegative().max(1_000_000_000),
  }),
  { description: "A product was added to the catalog or its name or price changed." },
);

export const stockRestocked = defineEvent(
  "stock.restocked",
  z.object({
    sku,
    quantity: z.number().int().positive().max(1_000_000),
    /** Names the restock request (from its Idempotency-Key): a retry of it adds nothing. */
    restockId: z.string().min(1).max(64).optional(),
  }),
  {
    description: "Units arrived and are available to sell.",
  },
);

export const stockReserved = defineEvent(
  "stock.reserved",
  z.object({ orderId: aggregateId, items: z.array(stockLine).min(1) }),
  {
    description: "All of an order's items are held for it.",
  },
);

export const stockRejected = defineEvent(
  "stock.rejected",
  z.object({
    orderId: aggregateId,
    shortages: z.array(z.object({ sku, requested: z.number().int(), available: z.number().int() })),
  }),
  { description: "An order could not be reserved in full; nothing was held." },
);

export const stockReleased = defineEvent(
  "stock.released",
  z.object({ orderId: aggregateId, items: z.array(stockLine) }),
  {
    description:
      "An order's held units are available again (its order was cancelled). Empty items: nothing was held.",
  },
);

export const stockCommitted = defineEvent(
  "stock.committed",
  z.object({ orderId: aggregateId, items: z.array(stockLine) }),
  {
    description: "An order's held units are sold (its order was confirmed).",
  },
);

const skuMovement = z.object({
  sku,
  orderId: aggregateId,
  quantity: z.number().int().positive().max(1_000_000),
});

export const stockHeld = defineEvent("stock.held", skuMovement, {
  description:
    "Units of one sku are held for an order (stored on the sku's subject, in the same atomic batch as the order's stock.reserved).",
});

export const stockUnheld = defineEvent("stock.unheld", skuMovement, {
  description: "Units an order held are available again (with the order's stock.released).",
});

export const stockSold = defineEvent("stock.sold", skuMovement, {
  description: "Units an order held are sold (with the order's stock.committed).",
});

export const inventoryEvents = [
  productDefined,
  stockRestocked,
  stockReserved,
  stockRejected,
  stockReleased,
  stockCommitted,
  stockHeld,
  stockUnheld,
  stockSold,
] as const;

export { sku as skuSchema };
