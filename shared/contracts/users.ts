import { z } from "zod";
import { defineEvent } from "../kit/events/event-contract.ts";

/** A user's id as other contracts refer to it: bounded, as every string in an event is. */
export const userIdSchema = z.string().min(1).max(128);
/** RFC 5321 caps a forward path at 256 octets, so no deliverable address is longer than 254. */
export const EMAIL_MAX_LENGTH = 254;
export const emailSchema = z.email().max(EMAIL_MAX_LENGTH);
/** A display name. */
export const userNameSchema = z.string().min(1).max(200);

export const userRegistered = defineEvent(
  "user.registered",
  z.object({ userId: userIdSchema, email: emailSchema, name: userNameSchema }),
  { description: "A user signed up. One per email: the subject is keyed by the email." },
);

export const userEvents = [userRegistered] as const;
