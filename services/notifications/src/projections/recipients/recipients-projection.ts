import { streams, subjects, userRegistered } from "@shop/shared/contracts";
import { on, type ProjectionContext, type ProjectionDefinition } from "@shop/shared/kit";
import { recipients, type Schema } from "../../db/schema.ts";

type Context = ProjectionContext<Schema>;

export const recipientsProjection: ProjectionDefinition<Schema> = {
  name: "recipients",
  stream: streams.users.name,
  filterSubject: subjects.allUsers,
  handlers: [
    on(userRegistered, async (event, { tx }: Context) => {
      const { userId, email, name } = event.data;
      await tx.insert(recipients).values({ userId, email, name }).onConflictDoNothing();
    }),
  ],
};
