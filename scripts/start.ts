/**
 * `npm start`: the shop as in production, with the settings compose.yaml gives each service:
 * each service and the card gateway run from its bundle (built first, `npm run build`), no file
 * watching, JSON logs at info level, NODE_ENV=production. Benchmarks measure this mode.
 * Takes service names as arguments, like dev.
 */
import { buildBundles } from "./lib/bundles.ts";
import { runServices } from "./lib/run-services.ts";
import { bundleEntry, PRODUCTION_ENV } from "./lib/services.ts";

// Always rebuilt (under a second for all six): a bundle is never older than its sources.
await buildBundles();
await runServices({ watch: false, defaults: PRODUCTION_ENV, entry: bundleEntry });
