import { sql } from "drizzle-orm";
import type { SqliteDb, Store } from "../store/store.ts";

/** Rejects every unit of a group transaction that failed to commit: none of their writes is stored. */
export class CommitFailedError extends Error {
  override readonly name = "CommitFailedError";
  readonly code = "store.commit-failed";
}

/**
 * Group commit: units of work submitted while the writer is busy run together in the next
 * transaction, each inside its own savepoint, so one unit's failure rolls back only its own
 * writes. A unit's promise settles after the transaction is over: it resolves once its
 * writes are committed, and rejects with its own error, or with CommitFailedError when the
 * commit failed. Units must only touch `tx` (no network): the writer is held while they run.
 */
export interface CommitBatcher<Schema extends Record<string, unknown>> {
  submit<T>(unit: (tx: SqliteDb<Schema>) => Promise<T>): Promise<T>;
  /** How many units are waiting for the next transaction. */
  readonly queued: number;
}

type Queued<Schema extends Record<string, unknown>> = {
  unit: (tx: SqliteDb<Schema>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
};

/** Creates a batcher over `store`; at most `maxBatch` units share one transaction. */
export function createCommitBatcher<Schema extends Record<string, unknown>>(
  store: Store<Schema>,
  { maxBatch = 256 }: { maxBatch?: number } = {},
): CommitBatcher<Schema> {
  const queue: Queued<Schema>[] = [];
  let running = false;

  async function runBatch(batch: Queued<Schema>[]) {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      await store.write(async (tx) => {
        for (const { unit } of batch) {
          await tx.run(sql.raw("SAVEPOINT kit_unit"));
          try {
            outcomes.push({ ok: true, value: await unit(tx) });
          } catch (err) {
            await tx.run(sql.raw("ROLLBACK TO kit_unit"));
            outcomes.push({ ok: false, err });
          }
          await tx.run(sql.raw("RELEASE kit_unit"));
        }
      });
    } catch (err) {
      const failed = new CommitFailedError(
        `group commit of ${batch.length} messages failed: ${(err as Error).message}`,
        { cause: err },
      );
      batch.forEach(({ reject }, i) => {
        const outcome = outcomes[i];
        reject(outcome && !outcome.ok ? outcome.err : failed);
      });
      return;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) resolve(outcome.value);
      else reject(outcome?.err);
    });
  }

  async function drain() {
    // Let the other lanes of this turn submit theirs: they share the transaction.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0) await runBatch(queue.splice(0, maxBatch));
    running = false;
  }

  return {
    submit<T>(unit: (tx: SqliteDb<Schema>) => Promise<T>) {
      return new Promise<T>((resolve, reject) => {
        queue.push({ unit, resolve: resolve as (value: unknown) => void, reject });
        if (!running) {
          running = true;
          void drain();
        }
      });
    },
    get queued() {
      return queue.length;
    },
  };
}
