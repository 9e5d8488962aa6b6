/**
 * `npm start`: the shop as in production, with the settings compose.yaml gives each service:
 * no file watching, JSON logs at info level, NODE_ENV=production. Benchmarks measure this mode.
 * Takes service names as arguments, like dev.
 */
import { runServices } from "./lib/run-services.ts";
import { PRODUCTION_ENV } from "./lib/services.ts";

await runServices({ watch: false, defaults: PRODUCTION_ENV });
