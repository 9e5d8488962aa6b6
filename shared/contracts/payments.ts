import { z } from "zod";
import { defineEvent } from "../kit/events/event-contract.ts";
import { aggregateId } from "./ids.ts";

const paymentFacts = {
  orderId: aggregateId,
  userId: z.string().min(1),
  amountCents: z.number().int().nonnegative(),
};

export const paymentCaptured = defineEvent(
  "payment.captured",
  z.object({ ...paymentFacts, paymentId: z.string().min(1) }),
  {
    description: "The gateway charged the customer for the order.",
  },
);

export const paymentDeclined = defineEvent(
  "payment.declined",
  z.object({ ...paymentFacts, reason: z.string().min(1) }),
  {
    description: "The gateway refused the charge; nothing was taken.",
  },
);

export const paymentRefunded = defineEvent(
  "payment.refunded",
  z.object({ ...paymentFacts, paymentId: z.string().min(1) }),
  {
    description: "A captured payment was given back because its order was cancelled.",
  },
);

export const paymentVoided = defineEvent(
  "payment.voided",
  z.object({ orderId: aggregateId, userId: z.string().min(1).optional() }),
  {
    description: "The order was cancelled before any charge: none will be made.",
  },
);

export const paymentEvents = [
  paymentCaptured,
  paymentDeclined,
  paymentRefunded,
  paymentVoided,
] as const;
