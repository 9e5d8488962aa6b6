import { type CancellationReason, subjects } from "@shop/shared/contracts";
import type { CommandMeta } from "@shop/shared/kit";
import type { OrderDeps } from "./order-deps.ts";

/**
 * Cancels a pending order. `by: "customer"` throws AppError conflict once the order is
 * confirmed or cancelled (409); the saga's cancellations of a settled order do nothing.
 * Compensation (releasing stock, refunding) follows from `order.cancelled`.
 */
export async function cancelOrder(
  deps: Pick<OrderDeps, "orders">,
  command: { orderId: string; reason: CancellationReason; by: "customer" | "saga" },
  meta: CommandMeta,
) {
  return deps.orders.handle(
    subjects.order(command.orderId),
    { type: "CancelOrder", ...command },
    meta,
  );
}
