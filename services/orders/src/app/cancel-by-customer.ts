import { subjects } from "@shop/shared/contracts";
import {
  type EventCause,
  idempotentId,
  isConflict,
  notFound,
  waitUntilVisible,
} from "@shop/shared/kit";
import { cancelOrder } from "./cancel-order.ts";
import type { OrderDeps } from "./order-deps.ts";

export interface CancelByCustomerInput {
  orderId: string;
  /** The client's `Idempotency-Key`: a resend answers as the first request did. */
  idempotencyKey?: string | undefined;
}

/**
 * A customer cancels a pending order; resolves once `order.cancelled` is stored, with
 * `visible` telling whether queries show it yet. Decided on the order's own events, so an
 * order the read model does not show yet can be cancelled too. Throws AppError not-found
 * `order.not-found` for an order never placed, and conflict `order.already-confirmed` or
 * `order.already-cancelled` once it is settled. With an idempotency key the event id derives
 * from the key, and a resend that finds the order already cancelled by its customer is
 * answered as the first request was, without a second event.
 */
export async function cancelByCustomer(
  deps: Pick<OrderDeps, "orders" | "ordersProjection">,
  { orderId, idempotencyKey: key }: CancelByCustomerInput,
  cause: EventCause,
): Promise<{ visible: boolean }> {
  const subject = subjects.order(orderId);
  let version: number;
  try {
    const result = await cancelOrder(
      deps,
      { orderId, reason: "customer_cancelled", by: "customer" },
      { cause, eventIds: key ? [idempotentId("event", subject, "CancelOrder", key)] : undefined },
    );
    version = result.version;
  } catch (err) {
    if (isConflict(err) && err.code === "order.not-placed")
      throw notFound("order.not-found", `no order ${orderId}`);
    if (!(key && isConflict(err) && err.code === "order.already-cancelled")) throw err;
    const { state, version: current } = await deps.orders.load(subject);
    if (!(state.status === "cancelled" && state.reason === "customer_cancelled")) throw err;
    version = current;
  }
  return { visible: await waitUntilVisible(deps.ordersProjection, version) };
}
