import { describe, expect, test } from "bun:test";
import { createFailureTracker } from "./failure-tracker.ts";
import {
  DEFAULT_RETRY_POLICY,
  isRetryHorizonReached,
  retryDelayMs,
  retryPolicy,
} from "./retry-policy.ts";

const noJitter = () => 0;
const mostJitter = () => 0.999_999;

describe("retry delays", () => {
  test("grow exponentially from the initial delay and stop growing at the cap", () => {
    const policy = retryPolicy({ initialDelayMs: 100, multiplier: 3, maxDelayMs: 2_000 });
    const delays = [1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(policy, n, noJitter));
    expect(delays).toEqual([100, 300, 900, 2_000, 2_000, 2_000]);
  });

  test("jitter takes at most its share off each delay and spreads retries apart", () => {
    const policy = retryPolicy({ initialDelayMs: 1_000, jitter: 0.25 });
    expect(retryDelayMs(policy, 1, noJitter)).toBe(1_000);
    expect(retryDelayMs(policy, 1, mostJitter)).toBe(750);
    const spread = new Set(Array.from({ length: 50 }, () => retryDelayMs(policy, 1)));
    expect(spread.size).toBeGreaterThan(10);
    for (const delay of spread) {
      expect(delay).toBeGreaterThanOrEqual(750);
      expect(delay).toBeLessThanOrEqual(1_000);
    }
  });

  test("a nonsensical policy is refused", () => {
    expect(() => retryPolicy({ jitter: 1 })).toThrow(/jitter/);
    expect(() => retryPolicy({ initialDelayMs: 0 })).toThrow(/initialDelayMs/);
    expect(() => retryPolicy({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(/maxDelayMs/);
    expect(() => retryPolicy({ multiplier: 0.5 })).toThrow(/multiplier/);
  });
});

describe("retry horizon", () => {
  /**
   * Replays a dependency that is down for `outageMs` from the first delivery, with the policy's
   * delays: returns when the message was handled, or when it would have been dead-lettered.
   */
  function rideOut(outageMs: number, random: () => number, policy = DEFAULT_RETRY_POLICY) {
    let at = 0;
    let failures = 0;
    const firstFailedAt = 0;
    while (at < outageMs) {
      failures += 1;
      if (isRetryHorizonReached(policy, firstFailedAt, at)) return { deadLetteredAt: at, failures };
      at += retryDelayMs(policy, failures, random);
    }
    return { handledAt: at, failures };
  }

  test("by default a 5-minute outage is ridden out without a dead letter, and handled within 30 s of its end", () => {
    for (const random of [noJitter, mostJitter, Math.random]) {
      const result = rideOut(5 * 60_000, random);
      expect(result.deadLetteredAt).toBeUndefined();
      expect(result.handledAt).toBeGreaterThanOrEqual(5 * 60_000);
      expect(result.handledAt).toBeLessThanOrEqual(5 * 60_000 + 30_000);
      // Backoff, not a tight loop: about twenty attempts over five minutes.
      expect(result.failures).toBeLessThan(25);
    }
  });

  test("an outage longer than the horizon ends in a dead letter once the horizon has passed", () => {
    const policy = retryPolicy({ horizonMs: 60_000 });
    const result = rideOut(10 * 60_000, Math.random, policy);
    expect(result.handledAt).toBeUndefined();
    expect(result.deadLetteredAt).toBeGreaterThanOrEqual(60_000);
    expect(result.deadLetteredAt).toBeLessThan(60_000 + policy.maxDelayMs);
  });

  test("is measured from the first failure", () => {
    const policy = retryPolicy({ horizonMs: 1_000 });
    expect(isRetryHorizonReached(policy, 5_000, 5_999)).toBe(false);
    expect(isRetryHorizonReached(policy, 5_000, 6_000)).toBe(true);
  });
});

describe("failure tracker", () => {
  test("counts failures per message from the first one, and forgets messages not seen for a while", () => {
    let now = 1_000;
    const tracker = createFailureTracker({ forgetAfterMs: 500, now: () => now });
    expect(tracker.fail(7)).toMatchObject({ failures: 1, firstFailedAt: 1_000 });
    now = 1_300;
    expect(tracker.fail(7)).toMatchObject({ failures: 2, firstFailedAt: 1_000, lastSeenAt: 1_300 });
    tracker.fail(8);
    now = 1_700;
    tracker.sweep();
    expect(tracker.get(7)).toBeDefined();
    now = 1_900;
    tracker.sweep();
    expect(tracker.get(7)).toBeUndefined();
    expect(tracker.size).toBe(0);
  });

  test("remembers a dead letter owed by a message until it is forgotten", () => {
    const tracker = createFailureTracker({ forgetAfterMs: 60_000 });
    tracker.oweDeadLetter(3, { code: "event.malformed", reason: "not JSON" });
    expect(tracker.get(3)?.owedDeadLetter).toEqual({ code: "event.malformed", reason: "not JSON" });
    tracker.forget(3);
    expect(tracker.get(3)).toBeUndefined();
  });
});
