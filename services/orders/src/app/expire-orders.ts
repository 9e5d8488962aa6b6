import type { Logger } from "@shop/shared/kit";
import { listPendingPlacedBefore } from "../projections/orders/order-queries.ts";
import { cancelOrder } from "./cancel-order.ts";
import type { OrderDeps } from "./order-deps.ts";

/**
 * Cancels, with reason `timeout`, every order still pending `timeoutMs` after it was
 * placed. Safe to run concurrently with the saga: the decider ignores settled orders.
 */
export async function expireOrders(deps: OrderDeps, timeoutMs: number, logger: Logger) {
  const deadline = new Date(deps.now().getTime() - timeoutMs).toISOString();
  for (const { id } of await listPendingPlacedBefore(deps.db, deadline)) {
    // One order that cannot be cancelled now must not hold up the others; it is retried next sweep.
    try {
      const result = await cancelOrder(
        deps,
        { orderId: id, reason: "timeout", by: "saga" },
        { cause: { correlationId: id } },
      );
      if (result.appended.length > 0) logger.info({ orderId: id }, "order timed out; cancelled");
    } catch (err) {
      logger.error({ err, orderId: id }, "could not cancel a timed-out order");
    }
  }
}
