import { type AppError, unavailable } from "../errors/app-error.ts";

interface Waiter {
  sequence: number;
  resolve(): void;
  reject(err: AppError): void;
}

/**
 * Read-your-writes for one projection: `wait(sequence)` resolves once `advanced` reports a
 * position at or past it, rejects with AppError `unavailable` `projection.behind` after
 * `timeoutMs`, and at once with `projection.halted` when the projection is or becomes halted.
 */
export function createPositionWaiters(name: string, position: () => number) {
  const waiters = new Set<Waiter>();
  let halted: AppError | undefined;

  return {
    wait(sequence: number, timeoutMs: number): Promise<void> {
      if (sequence <= position()) return Promise.resolve();
      if (halted) return Promise.reject(halted);
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          sequence,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            unavailable(
              "projection.behind",
              `${name} has not applied sequence ${sequence} within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    /** Resolves every waiter whose sequence is now applied. */
    advanced(to: number) {
      for (const waiter of waiters) {
        if (waiter.sequence <= to) {
          waiters.delete(waiter);
          waiter.resolve();
        }
      }
    },
    /** Rejects every waiter, and every later wait for a sequence not applied yet. */
    halted(reason: string) {
      halted = unavailable("projection.halted", `${name} is halted: ${reason}`);
      for (const waiter of waiters) waiter.reject(halted);
      waiters.clear();
    },
  };
}
