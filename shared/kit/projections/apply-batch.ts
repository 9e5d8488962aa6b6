import type { EventHandler } from "../events/on-event.ts";
import { saveCheckpoint } from "../store/checkpoints.ts";
import type { SqliteDb, Store } from "../store/store.ts";
import { claimEvent, forgetEventsBefore } from "./applied-events.ts";
import type { ProjectionContext } from "./projection-definition.ts";
import type { SelectedMessage } from "./select-message.ts";

type Db = SqliteDb<Record<string, unknown>>;

/** One message of a batch; `passed` once it was dead-lettered, so the checkpoint passes it unapplied. */
export interface BatchItem {
  readonly selected: SelectedMessage;
  passed: boolean;
}

/**
 * One message stopped the batch, which rolled back: a handler threw on it (`cause`), or it was
 * rejected before (`cause` is the rejection) and not passed yet.
 */
export class BatchItemError extends Error {
  override readonly name = "BatchItemError";
  constructor(
    readonly item: BatchItem,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export interface BatchTarget<Schema extends Record<string, unknown>> {
  name: string;
  stream: string;
  handlers: ReadonlyMap<string, EventHandler<ProjectionContext<Schema>>>;
  store: Store<Schema>;
  /** Ids of events stored longer than this before the batch's last one are forgotten. */
  dedupeHorizonMs: number;
}

/** What one committed batch did. */
export interface BatchResult {
  /** Messages the checkpoint passed. */
  messages: number;
  lastSequence: number;
  applied: number;
  duplicates: number;
}

const storedAtMs = (item: BatchItem) =>
  Math.floor(item.selected.message.info.timestampNanos / 1_000_000);

/**
 * Applies a batch in one transaction, in stream order: each event to apply claims its id (a
 * copy of an event already applied is skipped), then runs its handler; then the checkpoint
 * moves to the batch's last sequence (skipped and passed messages included) and ids older than
 * the horizon are forgotten. Rows, ids and checkpoint commit together or not at all. A handler's
 * throw, or a rejected message not passed yet, rolls everything back and is thrown as
 * BatchItemError naming the message; any other failure (the store, the checkpoint) is rethrown
 * as is. `items` must be non-empty.
 */
export async function applyBatch<Schema extends Record<string, unknown>>(
  { name, stream, handlers, store, dedupeHorizonMs }: BatchTarget<Schema>,
  items: readonly BatchItem[],
): Promise<BatchResult> {
  const last = items.at(-1);
  if (!last) throw new Error(`${name}: empty batch`);
  return store.write(async (tx) => {
    const kitTx = tx as unknown as Db;
    let applied = 0;
    let duplicates = 0;
    for (const item of items) {
      const { selected } = item;
      if (item.passed || selected.kind === "skip") continue;
      if (selected.kind === "reject") throw new BatchItemError(item, selected.error);
      const { message, event } = selected;
      if (!(await claimEvent(kitTx, name, event.id, storedAtMs(item)))) {
        duplicates += 1;
        continue;
      }
      const handler = handlers.get(event.type);
      if (!handler) continue;
      try {
        await handler.handle(event, {
          tx,
          position: { stream, subject: message.subject, sequence: message.seq },
        });
      } catch (err) {
        throw new BatchItemError(item, err);
      }
      applied += 1;
    }
    const lastSequence = last.selected.message.seq;
    await saveCheckpoint(kitTx, name, lastSequence);
    await forgetEventsBefore(kitTx, name, storedAtMs(last) - dedupeHorizonMs);
    return { messages: items.length, lastSequence, applied, duplicates };
  });
}
