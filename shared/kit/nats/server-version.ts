/**
 * The oldest nats-server the kit works with. 2.12 brought atomic batch publish, which every
 * decision with several events relies on; 2.11 batch direct get (reads without a consumer)
 * and expected-last-subject-sequence on a subject filter. Older servers accept some of these
 * headers and silently ignore them, so the kit refuses to run on one.
 */
export const MINIMUM_NATS_SERVER = "2.12.0";

/** Numeric comparison of dotted versions (`2.15.2`, `v2.9.10`): true when `version >= minimum`. */
export function isAtLeast(version: string, minimum: string): boolean {
  const parts = (v: string) => (/(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1).map(Number);
  const a = parts(version);
  const b = parts(minimum);
  for (let i = 0; i < 3; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff > 0;
  }
  return true;
}
