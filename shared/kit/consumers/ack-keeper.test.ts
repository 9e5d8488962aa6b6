import { describe, expect, test } from "bun:test";
import type { JsMsg } from "@nats-io/jetstream";
import { createAckKeeper } from "./ack-keeper.ts";

const message = () => {
  const m = {
    workings: 0,
    working() {
      m.workings += 1;
    },
  };
  return m as typeof m & JsMsg;
};

describe("ack keeper", () => {
  test("sends working() only for a message held half the ack wait, then again each half", () => {
    let now = 0;
    const keeper = createAckKeeper({ ackWaitMs: 1_000, bufferSize: 4, now: () => now });
    const fast = message();
    const slow = message();
    keeper.hold(fast);
    keeper.hold(slow);
    now = 100;
    keeper.release(fast);
    keeper.refresh();
    expect(fast.workings + slow.workings).toBe(0);
    now = 500;
    keeper.refresh();
    expect(slow.workings).toBe(1);
    now = 800;
    keeper.refresh();
    expect(slow.workings).toBe(1);
    now = 1_000;
    keeper.refresh();
    expect(slow.workings).toBe(2);
    expect(fast.workings).toBe(0);
  });

  test("a message taken after the consumer waited long for free slots gets working() at once", () => {
    const keeper = createAckKeeper({ ackWaitMs: 1_000, bufferSize: 2, now: () => 0 });
    const first = message();
    keeper.hold(first);
    keeper.waited(0);
    expect(first.workings).toBe(0);
    keeper.waited(300);
    const second = message();
    keeper.hold(second);
    expect(second.workings).toBe(1);
    keeper.waited(0);
    keeper.waited(0);
    const third = message();
    keeper.hold(third);
    expect(third.workings).toBe(0);
  });
});
