/**
 * Runs work items in groups: an item that arrives while a group is running waits, and every
 * item waiting when the group ends runs together in the next one (at most `maxGroup`). One
 * group runs at a time. `run` settles each item of its group: it resolves to one outcome per
 * item, in order (an `Error`-like `{ error }` rejects that item alone); if `run` itself
 * throws, every item of the group rejects with that error.
 *
 * This is group commit: when each run costs a fixed round trip (an atomic batch that the
 * broker syncs to disk), the items that queued behind one run share the next.
 */
export function createCoalescingQueue<Item, Result>(
  run: (group: readonly Item[]) => Promise<({ value: Result } | { error: unknown })[]>,
  { maxGroup = 64 }: { maxGroup?: number } = {},
) {
  const waiting: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  let running = false;

  async function drain() {
    if (running) return;
    running = true;
    try {
      while (waiting.length > 0) {
        const group = waiting.splice(0, maxGroup);
        try {
          const outcomes = await run(group.map((w) => w.item));
          group.forEach((w, i) => {
            const outcome = outcomes[i];
            if (outcome && "value" in outcome) w.resolve(outcome.value);
            else w.reject(outcome?.error ?? new Error("no outcome for a queued item"));
          });
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      running = false;
    }
  }

  return (item: Item): Promise<Result> =>
    new Promise<Result>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      void drain();
    });
}
