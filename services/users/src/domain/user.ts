import { userRegistered } from "@shop/shared/contracts";
import { conflict, type Decider, type EventOf } from "@shop/shared/domain";

export type RegisterUser = { type: "RegisterUser"; userId: string; email: string; name: string };
export type UserCommand = RegisterUser;
export type UserEvent = EventOf<typeof userRegistered>;
export type UserState =
  | { status: "unregistered" }
  | { status: "registered"; userId: string; email: string; name: string };

/** One aggregate per email, so the broker itself refuses a second registration of an address. */
export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  events: [userRegistered],
  initialState: { status: "unregistered" },

  evolve(_state, event) {
    switch (event.type) {
      case "user.registered":
        return { status: "registered", ...event.data };
      default: {
        const unknown: never = event.type;
        throw new Error(`unhandled ${unknown}`);
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case "RegisterUser": {
        // The same user id again is the same registration retried (ids derive from idempotency keys).
        if (state.status === "registered" && state.userId === command.userId) return [];
        if (state.status === "registered") {
          throw conflict("user.email-taken", `a user with email ${command.email} already exists`, {
            userId: state.userId,
          });
        }
        const { userId, email, name } = command;
        return [{ type: "user.registered", data: { userId, email, name } }];
      }
      default: {
        const unknown: never = command.type;
        throw new Error(`unhandled ${unknown}`);
      }
    }
  },
};
