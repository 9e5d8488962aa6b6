import { defineConfig } from "drizzle-kit";

/** The kit's own tables (checkpoints, processed events), migrated before each service's. */
export default defineConfig({
  dialect: "sqlite",
  schema: "./shared/kit/store/kit-schema.ts",
  out: "./shared/kit/store/migrations",
});
