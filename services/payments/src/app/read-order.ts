import { orderCancelled, orderPlaced, streams, subjects } from "@shop/shared/contracts";
import type { EventOf } from "@shop/shared/domain";
import {
  type ContractRegistry,
  decodeHistory,
  type Logger,
  type NatsContext,
  readAggregate,
} from "@shop/shared/kit";

/** What payments needs to know about an order at the moment it charges. */
export interface OrderFacts {
  userId: string;
  totalCents: number;
  paymentMethod: string;
  cancelled: boolean;
}

export type ReadOrder = (orderId: string) => Promise<OrderFacts | undefined>;

/**
 * Reads an order's own events from ORDERS at decision time. Authoritative where a local
 * projection could lag: a charge is never taken for an order already cancelled, whatever
 * order the two streams' consumers happen to run in. Garbage on the order's subject is skipped;
 * an event this version cannot read makes the read fail as unavailable (retried later).
 */
export function createOrderReader(
  nats: Pick<NatsContext, "js" | "jsm">,
  registry: ContractRegistry,
  logger: Logger,
): ReadOrder {
  return async (orderId) => {
    const subject = subjects.order(orderId);
    const { messages } = await readAggregate(nats, streams.orders.name, subject);
    let facts: OrderFacts | undefined;
    for (const event of decodeHistory(registry, messages, { subject, logger })) {
      if (event.type === orderPlaced.type) {
        // decodeEvent has validated the data against this very contract.
        const { userId, totalCents, paymentMethod } = event.data as EventOf<
          typeof orderPlaced
        >["data"];
        facts = { userId, totalCents, paymentMethod, cancelled: false };
      } else if (event.type === orderCancelled.type && facts) {
        facts.cancelled = true;
      }
    }
    return facts;
  };
}
