import { sql } from "drizzle-orm";
import type { SqliteDb, Store } from "../store/store.ts";

/** Rejects every unit of a group transaction that failed to commit: none of their writes is stored. */
export class CommitFailedError extends Error {
  override readonly name = "CommitFailedError";
  readonly code = "store.commit-failed";
}

/** Rejects a `deferrable` unit that had not started when the batcher was stopped: it never ran. */
export class BatcherStoppedError extends Error {
  override readonly name = "BatcherStoppedError";
}

/**
 * Group commit: units of work submitted while the writer is busy run together in the next
 * transaction, each inside its own savepoint, so one unit's failure rolls back only its own
 * writes. A transaction takes units until `maxBatch` of them or `maxBatchMs` of work, then
 * commits. A unit's promise settles after its transaction is over: it resolves once its
 * writes are committed, and rejects with its own error, or with CommitFailedError when the
 * commit failed. Units must only touch `tx` (no network): the writer is held while they run.
 */
export interface CommitBatcher<Schema extends Record<string, unknown>> {
  /** `deferrable`: the unit may be refused with BatcherStoppedError if it has not started by `stop()`. */
  submit<T>(
    unit: (tx: SqliteDb<Schema>) => Promise<T>,
    options?: { deferrable?: boolean },
  ): Promise<T>;
  /** Finishes the unit running; deferrable units not started yet are refused, others still run. */
  stop(): void;
}

type Queued<Schema extends Record<string, unknown>> = {
  unit: (tx: SqliteDb<Schema>) => Promise<unknown>;
  deferrable: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
};

/** Creates a batcher over `store`. */
export function createCommitBatcher<Schema extends Record<string, unknown>>(
  store: Store<Schema>,
  { maxBatch = 256, maxBatchMs = 25 }: { maxBatch?: number; maxBatchMs?: number } = {},
): CommitBatcher<Schema> {
  const queue: Queued<Schema>[] = [];
  let running = false;
  let stopped = false;

  const refuseDeferrable = () => {
    for (const queued of queue.filter((q) => q.deferrable)) {
      queue.splice(queue.indexOf(queued), 1);
      queued.reject(new BatcherStoppedError("the consumer is stopping"));
    }
  };

  async function runBatch() {
    const taken: Queued<Schema>[] = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      await store.write(async (tx) => {
        const started = performance.now();
        while (queue.length > 0 && taken.length < maxBatch) {
          if (taken.length > 0 && performance.now() - started >= maxBatchMs) break;
          if (stopped) refuseDeferrable();
          const next = queue.shift();
          if (!next) break;
          taken.push(next);
          await tx.run(sql.raw("SAVEPOINT kit_unit"));
          try {
            outcomes.push({ ok: true, value: await next.unit(tx) });
          } catch (err) {
            await tx.run(sql.raw("ROLLBACK TO kit_unit"));
            outcomes.push({ ok: false, err });
          }
          await tx.run(sql.raw("RELEASE kit_unit"));
        }
      });
    } catch (err) {
      const failed = new CommitFailedError(
        `group commit of ${taken.length} messages failed: ${(err as Error).message}`,
        { cause: err },
      );
      taken.forEach(({ reject }, i) => {
        const outcome = outcomes[i];
        reject(outcome && !outcome.ok ? outcome.err : failed);
      });
      return;
    }
    taken.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) resolve(outcome.value);
      else reject(outcome?.err);
    });
  }

  async function drain() {
    // Let the other lanes of this turn submit theirs: they share the transaction.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0) await runBatch();
    running = false;
  }

  return {
    submit<T>(
      unit: (tx: SqliteDb<Schema>) => Promise<T>,
      options?: { deferrable?: boolean },
    ): Promise<T> {
      const deferrable = options?.deferrable ?? false;
      if (stopped && deferrable)
        return Promise.reject(new BatcherStoppedError("the consumer is stopping"));
      return new Promise<T>((resolve, reject) => {
        queue.push({ unit, deferrable, resolve: resolve as (value: unknown) => void, reject });
        if (!running) {
          running = true;
          void drain();
        }
      });
    },
    stop() {
      stopped = true;
      refuseDeferrable();
    },
  };
}
