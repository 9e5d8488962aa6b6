import { describe, expect, test } from "bun:test";
import { fold, isConflict } from "@shop/shared/domain";
import { type UserEvent, userDecider } from "./user.ts";

const register = {
  type: "RegisterUser",
  userId: "u-1",
  email: "ada@example.com",
  name: "Ada",
} as const;

describe("user decider", () => {
  test("registers an unused email", () => {
    expect(userDecider.decide(register, userDecider.initialState)).toEqual([
      { type: "user.registered", data: { userId: "u-1", email: "ada@example.com", name: "Ada" } },
    ]);
  });

  test("refuses an email that is already registered", () => {
    const past: UserEvent[] = [
      { type: "user.registered", data: { userId: "u-0", email: "ada@example.com", name: "Ada" } },
    ];
    const state = fold(userDecider, past);
    let thrown: unknown;
    try {
      userDecider.decide({ ...register, userId: "u-2" }, state);
    } catch (err) {
      thrown = err;
    }
    expect(isConflict(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toBe("user.email-taken");
  });

  test("a registration retried with the same user id changes nothing", () => {
    const past: UserEvent[] = [
      { type: "user.registered", data: { userId: "u-1", email: "ada@example.com", name: "Ada" } },
    ];
    const state = fold(userDecider, past);
    expect(userDecider.decide(register, state)).toEqual([]);
    expect(state).toEqual({
      status: "registered",
      userId: "u-1",
      email: "ada@example.com",
      name: "Ada",
    });
  });
});
