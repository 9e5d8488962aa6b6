import { subjects } from "@shop/shared/contracts";
import type { AggregateStore, RunningProjection } from "@shop/shared/kit";
import type { UserCommand, UserState } from "../domain/user.ts";

export interface RegisterUserDeps {
  users: AggregateStore<UserCommand, UserState>;
  projection: RunningProjection;
  newId: () => string;
}

/** Emails compare case-insensitively; the aggregate is keyed by a digest because emails are not subject-safe. */
export const emailKey = (email: string) =>
  new Bun.CryptoHasher("sha256").update(email.trim().toLowerCase()).digest("hex").slice(0, 40);

/**
 * Registers a user; resolves once `user.registered` is stored and visible to queries.
 * Throws AppError conflict `user.email-taken`, also for two requests racing for one email.
 */
export async function registerUser(
  deps: RegisterUserDeps,
  input: { email: string; name: string },
  correlationId: string,
) {
  const email = input.email.trim().toLowerCase();
  const userId = deps.newId();
  const result = await deps.users.handle(
    subjects.user(emailKey(email)),
    { type: "RegisterUser", userId, email, name: input.name.trim() },
    { cause: { correlationId } },
  );
  await deps.projection.waitFor(result.version);
  return { id: userId, email, name: input.name.trim() };
}
