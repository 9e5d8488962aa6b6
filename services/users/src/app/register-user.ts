import { subjects } from "@shop/shared/contracts";
import {
  type AggregateStore,
  type EventCause,
  idempotentId,
  type RunningProjection,
  waitUntilVisible,
} from "@shop/shared/kit";
import type { UserCommand, UserState } from "../domain/user.ts";

export interface RegisterUserDeps {
  users: AggregateStore<UserCommand, UserState>;
  projection: Pick<RunningProjection, "waitFor">;
  newId: () => string;
}

export interface RegisterUserInput {
  email: string;
  name: string;
  /** The client's `Idempotency-Key`: the same key and email register one user, once. */
  idempotencyKey?: string | undefined;
}

export interface RegisteredUser {
  id: string;
  email: string;
  name: string;
}

/** Emails compare case-insensitively; the aggregate is keyed by a digest because emails are not subject-safe. */
export const emailKey = (email: string) =>
  new Bun.CryptoHasher("sha256").update(email.trim().toLowerCase()).digest("hex").slice(0, 40);

/**
 * Registers a user; resolves once `user.registered` is stored, with `visible` telling whether
 * queries show it yet. With an idempotency key the user id and event id derive from the key
 * and the email, so a retry answers with the user it registered (as stored) and stores nothing.
 * Throws AppError conflict `user.email-taken` (naming the existing `userId`) when another
 * request registered the email, also when two requests race for it.
 */
export async function registerUser(
  deps: RegisterUserDeps,
  input: RegisterUserInput,
  cause: EventCause,
): Promise<{ user: RegisteredUser; visible: boolean }> {
  const email = input.email.trim().toLowerCase();
  const subject = subjects.user(emailKey(email));
  const key = input.idempotencyKey;
  const userId = key ? idempotentId("user", subject, key) : deps.newId();
  const result = await deps.users.handle(
    subject,
    { type: "RegisterUser", userId, email, name: input.name.trim() },
    { cause, eventIds: key ? [idempotentId("event", subject, "RegisterUser", key)] : undefined },
  );
  if (result.state.status !== "registered") throw new Error(`${subject} is not registered`);
  const { state } = result;
  return {
    user: { id: state.userId, email: state.email, name: state.name },
    visible: await waitUntilVisible(deps.projection, result.version),
  };
}
