/** Whether a consumer is making progress; `problems` says, in words, why not. */
export interface ConsumerHealth {
  ok: boolean;
  problems: string[];
}

/**
 * The problems a consumer currently has, by key (one per kind of problem). A problem is
 * reported again each time it recurs and lapses `ttlMs` after its last report, so a
 * condition that resolved elsewhere (another instance handled the message) does not keep
 * the service unready forever; `clear` ends it at once.
 */
export interface HealthBoard {
  report(key: string, reason: string, ttlMs: number): void;
  clear(key: string): void;
  snapshot(): ConsumerHealth;
}

/** Creates an empty board; `now` is the clock in milliseconds. */
export function createHealthBoard(now: () => number = () => Date.now()): HealthBoard {
  const problems = new Map<string, { reason: string; until: number }>();
  return {
    report: (key, reason, ttlMs) => void problems.set(key, { reason, until: now() + ttlMs }),
    clear: (key) => void problems.delete(key),
    snapshot() {
      const at = now();
      for (const [key, { until }] of problems) if (until <= at) problems.delete(key);
      const reasons = [...problems.values()].map((p) => p.reason);
      return { ok: reasons.length === 0, problems: reasons };
    },
  };
}
