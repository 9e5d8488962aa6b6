import { streams, subjects, userRegistered } from "@shop/shared/contracts";
import { on, type ProjectionContext, type ProjectionDefinition } from "@shop/shared/kit";
import { type Schema, users } from "../../db/schema.ts";

type Context = ProjectionContext<Schema>;

export const usersProjection: ProjectionDefinition<Schema> = {
  name: "users",
  stream: streams.users.name,
  filterSubject: subjects.allUsers,
  handlers: [
    on(userRegistered, async (event, { tx }: Context) => {
      const { userId, email, name } = event.data;
      await tx
        .insert(users)
        .values({ id: userId, email, name, registeredAt: event.time })
        .onConflictDoNothing();
    }),
  ],
};
