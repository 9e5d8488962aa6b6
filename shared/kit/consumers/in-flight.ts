/**
 * Bounded concurrency that keeps order per key: tasks of different keys run concurrently,
 * tasks of one key run one after another in the order they were given, and at most
 * `limit` tasks are in flight (running or waiting behind their key) at any time.
 */
export interface InFlight {
  /** Takes a slot, waiting while `limit` tasks are in flight; resolves with how long it waited (ms). */
  acquire(): Promise<number>;
  /** Runs `task` after every earlier task of `key`, then frees the slot taken by `acquire`. A failing task is reported to `onError` and does not stop its key. */
  run(key: string, task: () => Promise<void>): void;
  /** Resolves once nothing is in flight. */
  idle(): Promise<void>;
  readonly size: number;
}

/** Creates an empty set of lanes allowing `limit` tasks in flight. */
export function createInFlight(limit: number, onError: (err: unknown) => void): InFlight {
  if (!(limit >= 1)) throw new Error("in-flight limit must be at least 1");
  let count = 0;
  const waiters: (() => void)[] = [];
  const idleWaiters: (() => void)[] = [];
  const tails = new Map<string, Promise<void>>();

  const release = () => {
    count -= 1;
    const next = waiters.shift();
    if (next) {
      count += 1;
      next();
    } else if (count === 0) {
      for (const resolve of idleWaiters.splice(0)) resolve();
    }
  };

  return {
    acquire() {
      if (count < limit) {
        count += 1;
        return Promise.resolve(0);
      }
      const started = performance.now();
      return new Promise((resolve) => waiters.push(() => resolve(performance.now() - started)));
    },
    run(key, task) {
      const previous = tails.get(key) ?? Promise.resolve();
      const current = previous
        .then(task)
        .catch(onError)
        .finally(() => {
          if (tails.get(key) === current) tails.delete(key);
          release();
        });
      tails.set(key, current);
    },
    idle: () =>
      count === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)),
    get size() {
      return count;
    },
  };
}
