/**
 * `npm run db:generate`: drizzle-kit generate for the kit's own tables and for every service's
 * schema, each run from the folder its drizzle.config.ts is written for. Arguments go to
 * drizzle-kit (`npm run db:generate -- --name order_views`). Stops at the first failure.
 */
import { join } from "node:path";
import { ROOT, SERVICES } from "./lib/services.ts";

const drizzleKit = join(ROOT, "node_modules", ".bin", "drizzle-kit");
const targets = [
  { name: "kit", cwd: ROOT, config: "shared/kit/store/drizzle.config.ts" },
  ...SERVICES.map(({ name }) => ({
    name,
    cwd: join(ROOT, "services", name),
    config: "drizzle.config.ts",
  })),
];

for (const { name, cwd, config } of targets) {
  console.log(`drizzle-kit generate: ${name}`);
  const run = Bun.spawnSync(
    [drizzleKit, "generate", "--config", config, ...process.argv.slice(2)],
    {
      cwd,
      stdout: "inherit",
      stderr: "inherit",
    },
  );
  if (run.exitCode !== 0) process.exit(run.exitCode ?? 1);
}
