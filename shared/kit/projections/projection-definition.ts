import type { StreamPosition } from "../events/cloud-event.ts";
import type { EventHandler } from "../events/on-event.ts";
import type { SqliteDb } from "../store/store.ts";
import type { ProjectionStatus } from "./projection-status.ts";
import type { HandlerFailurePolicy } from "./settle-batch.ts";

/** What a projection's handler receives besides the event. */
export interface ProjectionContext<
  Schema extends Record<string, unknown> = Record<string, unknown>,
> {
  tx: SqliteDb<Schema>;
  position: StreamPosition;
}

/** A read model fed from one stream: its name is also its checkpoint's name. */
export interface ProjectionDefinition<
  Schema extends Record<string, unknown> = Record<string, unknown>,
> {
  name: string;
  stream: string;
  /**
   * The subjects it reads: a filter (`inventory.sku.>`), or per-type filters
   * (`eventFilters("inventory.sku", ["product.defined"])`) when it applies only some of the
   * stream's types, so the server does not send it the others.
   */
  filterSubject: string | readonly string[];
  handlers: readonly EventHandler<ProjectionContext<Schema>>[];
  /**
   * What happens to an event the projection cannot apply: one that cannot be a valid event
   * (malformed, invalid data, unknown type), or whose handler still throws after its retries
   * (a permanent AppError is not retried). An event of a version this code does not know yet
   * is neither: the projection waits for it (stalled, with the reason, if it lasts).
   * - `"dead-letter"` (default): the event goes to DEADLETTER with the reason, and the read
   *   model moves on without it. For read models where one missing event is a smaller harm
   *   than a stopped one.
   * - `"halt"`: the projection applies what precedes that event, stops there, and says so until
   *   the process restarts: readiness 503 naming it and the reason, `projection_halted` 1, an
   *   error log, `waitFor` rejecting with `projection.halted`. For read models that must never
   *   skip an event (balances, stock).
   */
  onHandlerFailure?: HandlerFailurePolicy;
  /** Once caught up, more events than this stored and not applied make it not ready (default 10 000). */
  maxLag?: number;
  /**
   * A copy of an event (same CloudEvents id) stored again within this much broker time of the
   * original is applied once (default 24 h). Applied ids older than that are forgotten.
   */
  dedupeHorizonMs?: number;
}

/** A started projection. */
export interface RunningProjection {
  readonly name: string;
  /** Stream sequence applied and committed so far. */
  position(): number;
  /** True once the projection has applied everything that was in the stream when it started. */
  caughtUp(): boolean;
  /**
   * Its health for readiness: ready, or the state and the reason why not. Also asks the broker
   * for the current lag, at most once a second, which the next call reports.
   */
  status(): ProjectionStatus;
  /**
   * Resolves once `sequence` is applied (read-your-writes); AppError `unavailable`
   * `projection.behind` after `timeoutMs` (default 5 000), `projection.halted` at once if halted.
   */
  waitFor(sequence: number, timeoutMs?: number): Promise<void>;
  /** Finishes the batch in hand (or abandons its retries), deletes its consumer, and resolves. */
  stop(): Promise<void>;
}
