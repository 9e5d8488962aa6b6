import { contracts, streams } from "@shop/shared/contracts";
import { runService } from "@shop/shared/kit";
import { configSchema } from "./config.ts";
import { schema } from "./db/schema.ts";
import { userDecider } from "./domain/user.ts";
import { addUserRoutes } from "./http/user-routes.ts";
import { usersProjection } from "./projections/users/users-projection.ts";

runService(
  {
    name: "users",
    configSchema,
    schema,
    migrationsFolder: `${import.meta.dir}/../drizzle`,
    registry: contracts,
    topology: { streams: [streams.users, streams.deadLetter], consumers: [] },
    description: "Registers users; one account per email.",
  },
  async (kit) => {
    const projection = await kit.project(usersProjection);
    const users = kit.aggregateStore(userDecider, streams.users.name);
    addUserRoutes(kit.app, {
      users,
      projection,
      newId: () => Bun.randomUUIDv7(),
      db: kit.store.read,
    });
  },
);
