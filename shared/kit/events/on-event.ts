import type { z } from "zod";
import type { EventEnvelope } from "./cloud-event.ts";
import type { EventContract } from "./event-contract.ts";

/** A function bound to one event type; consumers and projections dispatch on `type`. */
export interface EventHandler<Context> {
  readonly type: string;
  handle(event: EventEnvelope, context: Context): Promise<void> | void;
}

/** Binds a handler to a contract, typing the event's data from the contract's schema. */
export function on<C extends EventContract, Context>(
  contract: C,
  handle: (
    event: EventEnvelope<C["type"], z.infer<C["schema"]>>,
    context: Context,
  ) => Promise<void> | void,
): EventHandler<Context> {
  return { type: contract.type, handle: handle as EventHandler<Context>["handle"] };
}

/** Indexes handlers by type; two handlers for one type in one consumer is a wiring bug. */
export function indexHandlers<Context>(handlers: readonly EventHandler<Context>[], owner: string) {
  const byType = new Map<string, EventHandler<Context>>();
  for (const handler of handlers) {
    if (byType.has(handler.type)) throw new Error(`${owner}: two handlers for ${handler.type}`);
    byType.set(handler.type, handler);
  }
  return byType;
}
