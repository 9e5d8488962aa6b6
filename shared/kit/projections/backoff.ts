/** How long to wait before the next attempt: `initialMs` doubling per attempt, capped at `maxMs`. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** 100 ms doubling to 5 s: a broker that is back is retried within a few seconds. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5_000 };

/**
 * The delay before attempt `attempt + 1` after `attempt` consecutive failures (1 = the first):
 * between half and all of `min(maxMs, initialMs * 2^(attempt-1))`, so that many projections
 * failing together do not retry in step. Never below `initialMs / 2`: no tight loop.
 */
export function backoffDelay(
  attempt: number,
  { initialMs, maxMs }: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts (then it resolves too: the caller checks
 * why it woke). Used for back-off pauses that a stop or a reconnect must cut short.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
