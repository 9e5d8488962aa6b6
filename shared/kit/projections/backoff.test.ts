import { describe, expect, test } from "bun:test";
import { backoffDelay, pause } from "./backoff.ts";

const policy = { initialMs: 100, maxMs: 1_000 };

describe("backoffDelay", () => {
  test("doubles per attempt up to the cap, drawing between half and all of it", () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, low))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, high))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  test("never waits less than half the initial delay, whatever the attempt number", () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(50);
    expect(backoffDelay(-3, policy, () => 0)).toBe(50);
  });
});

describe("pause", () => {
  test("waits the given time", async () => {
    const startedAt = performance.now();
    await pause(60, new AbortController().signal);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(55);
  });

  test("ends at once when its signal aborts, or already had", async () => {
    const controller = new AbortController();
    const startedAt = performance.now();
    const paused = pause(5_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await paused;
    await pause(5_000, controller.signal);
    expect(performance.now() - startedAt).toBeLessThan(500);
  });
});
