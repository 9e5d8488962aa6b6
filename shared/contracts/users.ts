import { z } from "zod";
import { defineEvent } from "../kit/events/event-contract.ts";

export const userRegistered = defineEvent(
  "user.registered",
  z.object({ userId: z.string().min(1), email: z.email(), name: z.string().min(1) }),
  { description: "A user signed up. One per email: the subject is keyed by the email." },
);

export const userEvents = [userRegistered] as const;
