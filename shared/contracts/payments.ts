import { z } from "zod";
import { defineEvent } from "../kit/events/event-contract.ts";
import { aggregateId } from "./ids.ts";
import { userIdSchema } from "./users.ts";

/** The gateway's id for a charge. */
const paymentId = z.string().min(1).max(128);

const paymentFacts = {
  orderId: aggregateId,
  userId: userIdSchema,
  amountCents: z.number().int().nonnegative(),
};

export const paymentCaptured = defineEvent(
  "payment.captured",
  z.object({ ...paymentFacts, paymentId }),
  {
    description: "The gateway charged the customer for the order.",
  },
);

export const paymentDeclined = defineEvent(
  "payment.declined",
  z.object({ ...paymentFacts, reason: z.string().min(1).max(200) }),
  {
    description: "The gateway refused the charge; nothing was taken.",
  },
);

export const paymentRefunded = defineEvent(
  "payment.refunded",
  z.object({ ...paymentFacts, paymentId }),
  {
    description: "A captured payment was given back because its order was cancelled.",
  },
);

export const paymentVoided = defineEvent(
  "payment.voided",
  z.object({ orderId: aggregateId, userId: userIdSchema.optional() }),
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
