import { ConfigError } from "../config/load-config.ts";

/**
 * Runs a service's `main`, turning a start-up failure into one clear line on stderr and
 * exit code 1 (a bad environment variable names itself rather than dumping a stack).
 */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error("start-up failed:", err);
    process.exit(1);
  });
}
