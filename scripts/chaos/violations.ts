/** One broken invariant, precise enough to reproduce: which rule, what it is about, what was seen. */
export interface Violation {
  invariant: string;
  /** The order, sku, consumer, request or process it is about. */
  subject: string;
  detail: string;
}

/** Collects violations as they are found, keeping the first `limit` of each invariant in full. */
export interface ViolationLog {
  add(invariant: string, subject: string, detail: string): void;
  all(): Violation[];
  /** Violations per invariant, every one counted (also those past the per-invariant limit). */
  counts(): Record<string, number>;
  total(): number;
}

export function createViolationLog(limit = 200): ViolationLog {
  const kept: Violation[] = [];
  const counts: Record<string, number> = {};
  return {
    add(invariant, subject, detail) {
      counts[invariant] = (counts[invariant] ?? 0) + 1;
      if ((counts[invariant] ?? 0) <= limit) kept.push({ invariant, subject, detail });
    },
    all: () => [...kept],
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((sum, n) => sum + n, 0),
  };
}
