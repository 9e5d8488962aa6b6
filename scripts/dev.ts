/**
 * `npm run dev` / `bun run dev`: the whole shop (or the services named as arguments), with a
 * current NATS (NATS_URL, or the pinned nats-server started on demand), pretty logs, and
 * restarts on file changes. Ctrl-C stops everything gracefully.
 */
import { runServices } from "./lib/run-services.ts";

await runServices({ watch: true, defaults: { LOG_FORMAT: "pretty" } });
