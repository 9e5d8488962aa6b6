import type { AggregateStore, RunningProjection, SqliteDb } from "@shop/shared/kit";
import type { Schema } from "../db/schema.ts";
import type { OrderCommand, OrderState } from "../domain/order.ts";

/** What the order use cases work with. */
export interface OrderDeps {
  orders: AggregateStore<OrderCommand, OrderState>;
  /** The orders read model's projection, awaited so a reply is visible to the next query. */
  ordersProjection: Pick<RunningProjection, "waitFor">;
  db: SqliteDb<Schema>;
  newId: () => string;
  now: () => Date;
}
