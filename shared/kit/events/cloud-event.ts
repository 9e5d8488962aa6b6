import { z } from "zod";

/** A CloudEvents extension attribute name: lowercase letters and digits only (spec 1.0). */
const extensionValue = z.string().min(1).max(512);

/**
 * The CloudEvents 1.0 envelope every message carries, with the kit's extension attributes:
 * `correlationid` (the saga or request the event belongs to), `causationid` (the event
 * that caused it), `traceparent` (W3C trace context) and `dataversion` (the payload
 * schema version; 1 when absent).
 */
export const cloudEventSchema = z.object({
  specversion: z.literal("1.0"),
  id: z.string().min(1).max(256),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.iso.datetime({ offset: true }).optional(),
  subject: z.string().optional(),
  datacontenttype: z.string().optional(),
  dataversion: z.coerce.number().int().positive().optional(),
  correlationid: extensionValue.optional(),
  causationid: extensionValue.optional(),
  traceparent: z
    .string()
    .regex(/^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/, "not a W3C traceparent")
    .optional(),
  data: z.unknown(),
});

export type CloudEvent = z.infer<typeof cloudEventSchema>;

/** An event as the kit hands it to handlers and projections: envelope plus typed payload. */
export interface EventEnvelope<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  source: string;
  time: string;
  subject?: string | undefined;
  version: number;
  correlationId: string;
  causationId?: string | undefined;
  traceparent?: string | undefined;
  data: Data;
}

/** Where a stored event sits in its stream; handlers use it for ordering and checkpoints. */
export interface StreamPosition {
  stream: string;
  subject: string;
  sequence: number;
}
