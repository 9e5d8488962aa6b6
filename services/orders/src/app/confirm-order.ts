import { subjects } from "@shop/shared/contracts";
import type { CommandMeta } from "@shop/shared/kit";
import type { OrderDeps } from "./order-deps.ts";

/** Confirms a pending order once its payment is captured; does nothing otherwise. */
export async function confirmOrder(
  deps: Pick<OrderDeps, "orders">,
  orderId: string,
  meta: CommandMeta,
) {
  return deps.orders.handle(subjects.order(orderId), { type: "ConfirmOrder", orderId }, meta);
}
