import { describe, expect, test } from "bun:test";
import { ProjectionTracker } from "./projection-status.ts";

/** A tracker on a clock the test moves by hand. */
function trackerAt(position = 0, options: { maxLag?: number; stallAfterMs?: number } = {}) {
  let now = 1_000;
  const tracker = new ProjectionTracker({
    position,
    maxLag: options.maxLag ?? 100,
    stallAfterMs: options.stallAfterMs ?? 10_000,
    now: () => now,
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { tracker, advance };
}

describe("ProjectionTracker", () => {
  test("catches up, then is live", () => {
    const { tracker } = trackerAt(3);
    expect(tracker.status()).toMatchObject({ state: "catching-up", ready: false, position: 3 });
    tracker.sessionOpened(2);
    expect(tracker.status()).toMatchObject({ state: "catching-up", lag: 2 });
    expect(tracker.status().reason).toContain("2 events to apply");
    tracker.delivered(1);
    tracker.delivered(0);
    tracker.committed(2, 9);
    expect(tracker.status()).toEqual({ state: "live", ready: true, position: 9, lag: 0 });
    expect(tracker.caughtUp).toBe(true);
  });

  test("counts what it holds uncommitted and what the broker has not delivered as lag", () => {
    const { tracker } = trackerAt();
    tracker.sessionOpened(0);
    tracker.delivered(40);
    tracker.delivered(39);
    expect(tracker.lag()).toBe(41);
    tracker.undeliveredIs(50);
    expect(tracker.lag()).toBe(52);
    tracker.committed(2, 7);
    expect(tracker.lag()).toBe(50);
  });

  test("is behind, and not ready, past its lag bound once caught up", () => {
    const { tracker } = trackerAt(0, { maxLag: 10 });
    tracker.sessionOpened(0);
    tracker.undeliveredIs(11);
    expect(tracker.status()).toMatchObject({ state: "behind", ready: false, lag: 11 });
    expect(tracker.status().reason).toBe("behind: 11 events not applied (bound 10)");
    tracker.undeliveredIs(10);
    expect(tracker.status()).toMatchObject({ state: "live", ready: true });
  });

  test("is stalled when a failure lasts, and ready again after a commit", () => {
    const { tracker, advance } = trackerAt(0, { stallAfterMs: 1_000 });
    tracker.sessionOpened(0);
    tracker.delivered(0);
    tracker.failing("projection.batch-failed: disk full");
    advance(999);
    expect(tracker.status().state).toBe("live");
    advance(1);
    expect(tracker.status()).toMatchObject({ state: "stalled", ready: false, lag: 1 });
    expect(tracker.status().reason).toContain("disk full");
    tracker.committed(1, 5);
    expect(tracker.status()).toMatchObject({ state: "live", ready: true, lag: 0 });
  });

  test("is stalled when there is lag and nothing commits, even with no failure reported", () => {
    const { tracker, advance } = trackerAt(0, { stallAfterMs: 1_000 });
    tracker.sessionOpened(0);
    advance(60_000);
    // A long idle time is not a stall: lag appears only now.
    tracker.undeliveredIs(3);
    expect(tracker.status().state).toBe("live");
    advance(1_000);
    expect(tracker.status()).toMatchObject({ state: "stalled", lag: 3 });
    expect(tracker.status().reason).toContain("3 events not applied");
  });

  test("once halted stays halted with its reason, and its lag", () => {
    const { tracker } = trackerAt(4);
    tracker.sessionOpened(0);
    tracker.delivered(2);
    tracker.halt("sequence 5 test.note-recorded e1 on test.x: boom");
    tracker.failing("later noise");
    expect(tracker.status()).toEqual({
      state: "halted",
      ready: false,
      reason: "halted: sequence 5 test.note-recorded e1 on test.x: boom",
      position: 4,
      lag: 3,
    });
    expect(tracker.halted).toBe(true);
  });
});
