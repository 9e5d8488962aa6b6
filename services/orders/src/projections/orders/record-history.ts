import {
  type EventEnvelope,
  type ProjectionContext,
  prepared,
  type SqliteDb,
} from "@shop/shared/kit";
import { sql } from "drizzle-orm";
import { orderHistory, type Schema } from "../../db/schema.ts";
import { rewriteOrderView } from "./order-view.ts";

const insertHistory = prepared((db: SqliteDb<Schema>) =>
  db
    .insert(orderHistory)
    .values({
      stream: sql.placeholder("stream"),
      sequence: sql.placeholder("sequence"),
      orderId: sql.placeholder("orderId"),
      type: sql.placeholder("type"),
      time: sql.placeholder("time"),
      detail: sql.placeholder("detail"),
    })
    .onConflictDoNothing()
    .prepare(),
);

/**
 * Adds one saga event to an order's timeline (replays are no-ops: keyed by stream position),
 * then rewrites the order's view. Every event about an order passes here: a handler calls it
 * last, once the order's row is written.
 */
export async function recordHistory(
  event: EventEnvelope<string, { orderId: string }>,
  { tx, position }: ProjectionContext<Schema>,
  detail?: string,
) {
  await insertHistory(tx).run({
    stream: position.stream,
    sequence: position.sequence,
    orderId: event.data.orderId,
    type: event.type,
    time: event.time,
    detail: detail ?? null,
  });
  await rewriteOrderView(tx, event.data.orderId);
}
