/**
 * Where an event is stored: its aggregate's subject followed by its type, so that
 * `order.placed` about `orders.o1` is on `orders.o1.order.placed`. Consumers then ask the
 * server for the types they handle (`orders.*.order.cancelled`) instead of receiving and
 * acking every event of the stream, and an aggregate's events are still read and guarded
 * together (`orders.o1.>`).
 */
export const eventSubject = (aggregate: string, type: string) => `${aggregate}.${type}`;

/** Every event of one aggregate: what a load reads and what a guarded append is checked on. */
export const aggregateEvents = (aggregate: string) => `${aggregate}.>`;

/** True when `subject` is where an event of `type` belongs: it ends with the type. */
export const isOnItsSubject = (subject: string, type: string) => subject.endsWith(`.${type}`);

/**
 * The aggregate a stored message belongs to: its subject less its type (`ce-type`) when it
 * ends with it, else the subject itself. Messages of one aggregate are handled in order.
 */
export function aggregateOf(subject: string, type: string | undefined): string {
  return type !== undefined && isOnItsSubject(subject, type)
    ? subject.slice(0, -(type.length + 1))
    : subject;
}

/**
 * Server-side filters for the events of `types` on the aggregates under `prefix` (one token
 * per aggregate id): `eventFilters("orders", ["order.cancelled"])` → `orders.*.order.cancelled`.
 */
export const eventFilters = (prefix: string, types: readonly string[]) =>
  types.map((type) => `${prefix}.*.${type}`);
