import type { AcceptedOrder } from "./chaos-context.ts";
import type { Facts } from "./fold.ts";
import type { FailedCommand } from "./http-client.ts";
import type { ViolationLog } from "./violations.ts";

/**
 * Effects happen once and answers tell the truth about them: no command answered 5xx had its
 * event stored (events carry the request id as correlation id); no event id is stored twice
 * in a stream; one registration per email; at most one notification per (order, template)
 * and one welcome per user, and every settled order of a known user is notified.
 */
export function checkEffects(
  facts: Facts,
  failedCommands: readonly FailedCommand[],
  accepted: ReadonlyMap<string, AcceptedOrder>,
  violations: ViolationLog,
): void {
  for (const command of failedCommands) {
    const stored = facts.correlations.get(command.requestId);
    if (stored)
      violations.add(
        "no-5xx-after-stored-effect",
        command.what,
        `answered ${command.status} ${command.code ?? ""}, yet ${stored.type} was stored (${stored.stream} #${stored.seq})`,
      );
  }
  for (const d of facts.duplicates)
    violations.add(
      "event-stored-once",
      `${d.stream} ${d.id}`,
      `${d.type} stored at sequences ${d.seqs.join(", ")}`,
    );
  for (const [subject, count] of facts.registrations)
    if (count > 1)
      violations.add("user-registered-once", subject, `${count} user.registered events`);
  for (const [key, count] of facts.notifications)
    if (count > 1) violations.add("notification-once", key, `${count} notification.recorded`);
  for (const order of accepted.values()) {
    const first = facts.orders.get(order.orderId)?.terminals[0];
    if (!first) continue;
    const template = first.type === "order.confirmed" ? "order_confirmed" : "order_cancelled";
    if (!facts.notifications.has(`${order.orderId}|${template}`))
      violations.add(
        "order-notified",
        order.orderId,
        `${first.type} but no ${template} notification recorded`,
      );
  }
}
