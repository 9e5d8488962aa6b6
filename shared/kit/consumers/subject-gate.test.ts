import { describe, expect, test } from "bun:test";
import { createSubjectGate } from "./subject-gate.ts";

describe("subject gate", () => {
  test("a later message of a subject waits until an earlier one put back has settled", () => {
    let now = 1_000;
    const gate = createSubjectGate({ forgetAfterMs: 10_000, now: () => now });
    expect(gate.waitFor("orders.1", 5)).toBeUndefined();
    gate.deferred("orders.1", 5, 1_400);
    // Comes back just after the one it waits for.
    expect(gate.waitFor("orders.1", 6)).toBe(450);
    expect(gate.waitFor("orders.1", 5)).toBeUndefined();
    expect(gate.waitFor("orders.1", 4)).toBeUndefined();
    expect(gate.waitFor("orders.2", 9)).toBeUndefined();
    now = 1_500;
    expect(gate.waitFor("orders.1", 6)).toBe(50);
    gate.settled("orders.1", 5);
    expect(gate.waitFor("orders.1", 6)).toBeUndefined();
    expect(gate.size).toBe(0);
  });

  test("waits for every earlier message put back, and forgets one another instance took", () => {
    let now = 0;
    const gate = createSubjectGate({ forgetAfterMs: 1_000, now: () => now });
    gate.deferred("s", 1, 100);
    gate.deferred("s", 2, 300);
    gate.settled("s", 1);
    expect(gate.waitFor("s", 3)).toBe(350);
    now = 1_301;
    expect(gate.waitFor("s", 3)).toBeUndefined();
    expect(gate.size).toBe(0);
  });
});
