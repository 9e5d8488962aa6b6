import { describe, expect, test } from "bun:test";
import { createInFlight } from "./in-flight.ts";

describe("in flight", () => {
  test("runs keys concurrently, one key in order, never more than the limit at once", async () => {
    const errors: unknown[] = [];
    const inFlight = createInFlight(3, (err) => errors.push(err));
    const order = new Map<string, number[]>();
    let running = 0;
    let most = 0;
    for (let n = 0; n < 30; n += 1) {
      const key = `k${n % 5}`;
      await inFlight.acquire();
      inFlight.run(key, async () => {
        running += 1;
        most = Math.max(most, running);
        await Bun.sleep(Math.random() * 3);
        order.set(key, [...(order.get(key) ?? []), n]);
        running -= 1;
      });
    }
    await inFlight.idle();
    expect(most).toBe(3);
    for (const ns of order.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    expect([...order.values()].flat()).toHaveLength(30);
    expect(inFlight.size).toBe(0);
    expect(errors).toEqual([]);
  });

  test("a failing task is reported and does not stop its key", async () => {
    const errors: unknown[] = [];
    const inFlight = createInFlight(2, (err) => errors.push(err));
    const ran: string[] = [];
    await inFlight.acquire();
    inFlight.run("k", async () => {
      throw new Error("boom");
    });
    await inFlight.acquire();
    inFlight.run("k", async () => {
      ran.push("second");
    });
    await inFlight.idle();
    expect(ran).toEqual(["second"]);
    expect((errors[0] as Error).message).toBe("boom");
  });
});
