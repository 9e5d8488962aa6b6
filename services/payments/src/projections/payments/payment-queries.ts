import type { SqliteDb } from "@shop/shared/kit";
import { and, asc, eq, type SQL } from "drizzle-orm";
import { payments, type Schema } from "../../db/schema.ts";

export type PaymentRow = typeof payments.$inferSelect;

/** Payments matching every filter given, oldest update first. */
export async function listPayments(
  db: SqliteDb<Schema>,
  filter: { orderId?: string | undefined; userId?: string | undefined },
): Promise<PaymentRow[]> {
  const conditions: SQL[] = [];
  if (filter.orderId !== undefined) conditions.push(eq(payments.orderId, filter.orderId));
  if (filter.userId !== undefined) conditions.push(eq(payments.userId, filter.userId));
  return db
    .select()
    .from(payments)
    .where(and(...conditions))
    .orderBy(asc(payments.updatedAt), asc(payments.orderId));
}
