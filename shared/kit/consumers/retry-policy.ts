/**
 * How a durable consumer retries a message whose handler failed transiently: exponential
 * backoff with jitter, for at least `horizonMs` after the first failure, then a dead letter.
 */
export interface RetryPolicy {
  /** Delay before the first retry (before jitter). */
  initialDelayMs: number;
  /** Each further retry waits this many times longer... */
  multiplier: number;
  /** ...up to this delay, which then repeats until the horizon. */
  maxDelayMs: number;
  /** Fraction (0-1) taken off each delay at random, so retries of many messages spread out. */
  jitter: number;
  /** How long after its first failure a message keeps being retried before it is dead-lettered. */
  horizonMs: number;
}

/**
 * The default: 200 ms doubling to 30 s, 20% jitter, for 10 minutes. A broker or gateway
 * outage of 5 minutes is ridden out without a dead letter, and once it ends a waiting
 * message is retried within 30 s.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  initialDelayMs: 200,
  multiplier: 2,
  maxDelayMs: 30_000,
  jitter: 0.2,
  horizonMs: 10 * 60_000,
});

/** The default policy with `overrides` applied; throws on a setting that makes no sense. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  const { initialDelayMs, multiplier, maxDelayMs, jitter, horizonMs } = policy;
  if (!(initialDelayMs > 0)) throw new Error("retry policy: initialDelayMs must be > 0");
  if (!(multiplier >= 1)) throw new Error("retry policy: multiplier must be >= 1");
  if (!(maxDelayMs >= initialDelayMs))
    throw new Error("retry policy: maxDelayMs must be >= initialDelayMs");
  if (!(jitter >= 0 && jitter < 1)) throw new Error("retry policy: jitter must be in [0, 1)");
  if (!(horizonMs >= 0)) throw new Error("retry policy: horizonMs must be >= 0");
  return policy;
}

/**
 * The delay before retrying after the `failures`-th failure (1-based): the exponential delay
 * capped at `maxDelayMs`, minus a random share of at most `jitter`. `random` returns [0, 1).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failures: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, failures - 1);
  const nominal = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** exponent,
  );
  return Math.max(1, Math.round(nominal * (1 - policy.jitter * random())));
}

/** True once a message that first failed at `firstFailedAt` has been retried for the whole horizon. */
export const isRetryHorizonReached = (policy: RetryPolicy, firstFailedAt: number, now: number) =>
  now - firstFailedAt >= policy.horizonMs;
