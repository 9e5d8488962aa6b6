import { z } from "zod";

/** An id that names an aggregate's subject, so it must be one subject token. */
export const aggregateId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only (it names a subject)");
