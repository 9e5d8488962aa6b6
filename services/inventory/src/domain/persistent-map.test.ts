import { describe, expect, test } from "bun:test";
import { PersistentMap } from "./persistent-map.ts";

describe("persistent map", () => {
  test("set returns a new map and leaves the old one as it was", () => {
    const empty = PersistentMap.empty<number>();
    const one = empty.set("a", 1);
    const two = one.set("a", 2).set("b", 3);
    expect([empty.get("a"), empty.size]).toEqual([undefined, 0]);
    expect([one.get("a"), one.has("b"), one.size]).toEqual([1, false, 1]);
    expect([two.get("a"), two.get("b"), two.size]).toEqual([2, 3, 2]);
  });

  test("keeps many keys apart", () => {
    let map = PersistentMap.empty<number>();
    for (let i = 0; i < 5_000; i++) map = map.set(`order-${i}`, i);
    expect(map.size).toBe(5_000);
    expect(map.get("order-0")).toBe(0);
    expect(map.get("order-4999")).toBe(4_999);
    expect(map.has("order-5000")).toBe(false);
  });
});
