import { type CommandMeta, type SqliteDb, unavailable } from "@shop/shared/kit";
import type { Schema } from "../db/schema.ts";
import { getRecipient } from "../projections/recipients/recipient-queries.ts";
import { type NotifyDeps, notify } from "./notify.ts";

export interface OrderOutcome {
  template: "order_confirmed" | "order_cancelled";
  orderId: string;
  userId: string;
}

/**
 * Tells a customer their order was confirmed or cancelled, at their registered email.
 * Throws AppError `unavailable` (`notification.recipient-unknown`) while the user's
 * `user.registered` has not been seen: USERS and ORDERS are not ordered with each other,
 * so the order event is retried later.
 */
export async function notifyOrderOutcome(
  deps: NotifyDeps,
  db: SqliteDb<Schema>,
  { template, orderId, userId }: OrderOutcome,
  meta: CommandMeta,
): Promise<void> {
  const recipient = await getRecipient(db, userId);
  if (!recipient) {
    throw unavailable(
      "notification.recipient-unknown",
      `user ${userId} of order ${orderId} is not known yet`,
    );
  }
  await notify(deps, { template, orderId, userId, recipient: recipient.email }, meta);
}
