import type { EventEnvelope, ProjectionContext } from "@shop/shared/kit";
import { orderHistory, type Schema } from "../../db/schema.ts";

/** Adds one saga event to an order's timeline; replays are no-ops (keyed by stream position). */
export async function recordHistory(
  event: EventEnvelope<string, { orderId: string }>,
  { tx, position }: ProjectionContext<Schema>,
  detail?: string,
) {
  await tx
    .insert(orderHistory)
    .values({
      stream: position.stream,
      sequence: position.sequence,
      orderId: event.data.orderId,
      type: event.type,
      time: event.time,
      detail,
    })
    .onConflictDoNothing();
}
