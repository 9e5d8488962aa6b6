import { subjects } from "@shop/shared/contracts";
import { type AggregateStore, type CommandMeta, isConflict } from "@shop/shared/kit";
import {
  commit,
  type Placed,
  release,
  reserve,
  type SkuCommand,
  type StockLine,
  type StockState,
  subjectsFor,
} from "../domain/stock.ts";

export type StockStore = AggregateStore<SkuCommand, StockState>;

/**
 * Holds every line of a placed order or none: one atomic batch of the order's answer and one
 * hold per sku, each subject guarded by its own expected sequence, so orders racing for the
 * last units (in this process or another) can never oversell. Idempotent per order.
 */
export async function reserveForOrder(
  stock: StockStore,
  orderId: string,
  items: readonly StockLine[],
  meta: CommandMeta,
): Promise<void> {
  await stock.handleAcross(subjectsFor(orderId, items), reserve(orderId, items), meta);
}

/** Gives back what a cancelled order holds (a tombstone when it holds nothing yet). Idempotent. */
export const releaseForOrder = (stock: StockStore, orderId: string, meta: CommandMeta) =>
  acrossOrderSkus(stock, orderId, release(orderId), meta);

/** Sells what a confirmed order holds. Idempotent. */
export const commitForOrder = (stock: StockStore, orderId: string, meta: CommandMeta) =>
  acrossOrderSkus(stock, orderId, commit(orderId), meta);

/**
 * Decides over the order's stock subject and the skus it holds. Which skus those are comes
 * from the order's subject (its cached state, read only when not cached); if that is stale
 * (a reservation landed meanwhile, say by another process), the guarded batch is refused or
 * the store says the subjects changed, and the skus are chosen again from the tail.
 */
async function acrossOrderSkus(
  stock: StockStore,
  orderId: string,
  decide: (states: ReadonlyMap<string, StockState>) => Placed[],
  meta: CommandMeta,
): Promise<void> {
  for (;;) {
    const { state } = await stock.peek(subjects.orderStock(orderId));
    try {
      await stock.handleAcross(subjectsFor(orderId, state.order?.items ?? []), decide, meta);
      return;
    } catch (err) {
      if (!(isConflict(err) && err.code === "aggregate.subjects-changed")) throw err;
    }
  }
}
