/**
 * How far the load has got (orders accepted of the target). The fault schedule and the fuzzers
 * pace themselves on it, so faults land while orders are flowing whatever the machine's speed.
 */
export interface Progress {
  readonly target: number;
  accepted(): number;
  fraction(): number;
  /** Counts one accepted order. */
  advance(): void;
  /** Resolves once the fraction reaches `fraction`, or the load has finished. */
  reach(fraction: number): Promise<void>;
  /** The load is over (target met, or stopped): every waiter is released. */
  finish(): void;
  finished(): boolean;
}

export function createProgress(target: number): Progress {
  let accepted = 0;
  let done = false;
  const waiters: { fraction: number; resolve: () => void }[] = [];
  const fraction = () => (done || target === 0 ? 1 : Math.min(1, accepted / target));
  const wake = () => {
    const now = fraction();
    for (let i = waiters.length - 1; i >= 0; i--) {
      const waiter = waiters[i] as (typeof waiters)[number];
      if (waiter.fraction <= now) {
        waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  };
  return {
    target,
    accepted: () => accepted,
    fraction,
    advance() {
      accepted += 1;
      wake();
    },
    reach(wanted) {
      if (wanted <= fraction()) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ fraction: wanted, resolve }));
    },
    finish() {
      done = true;
      wake();
    },
    finished: () => done,
  };
}
