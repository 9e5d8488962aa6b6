import { contracts, streams } from "@shop/shared/contracts";
import { createLogger, loadConfig, runMain, startService } from "@shop/shared/kit";
import { configSchema } from "./config.ts";
import { schema } from "./db/schema.ts";
import { userDecider } from "./domain/user.ts";
import { addUserRoutes } from "./http/user-routes.ts";
import { usersProjection } from "./projections/users/users-projection.ts";

runMain(async () => {
  const config = loadConfig(configSchema);
  const logger = createLogger({
    service: "users",
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT,
  });
  await startService(
    {
      name: "users",
      config,
      logger,
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
});
