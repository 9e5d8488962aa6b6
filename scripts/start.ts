/**
 * `npm start`: the shop as in production, with the settings compose.yaml gives each service:
 * no file watching, JSON logs at info level, NODE_ENV=production. Benchmarks measure this mode.
 * Takes service names as arguments, like dev.
 */
import { runServices } from "./lib/run-services.ts";

await runServices({
  watch: false,
  defaults: { LOG_FORMAT: "json", LOG_LEVEL: "info", NODE_ENV: "production" },
});
