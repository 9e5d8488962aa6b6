import type { z } from "zod";
import { type BaseConfig, loadConfig } from "../config/load-config.ts";
import { createLogger } from "../log/logger.ts";
import { runMain } from "./run-main.ts";
import { type ServiceKit, type ServiceOptions, startService } from "./start-service.ts";

type Schema = Record<string, unknown>;

/**
 * A service's whole `main`: parses the environment with `configSchema` (a bad value stops
 * start-up naming the variable), creates the logger, and starts the service with `wire`.
 * See `startService` for the start-up order, readiness and shutdown.
 */
export function runService<S extends Schema, C extends z.ZodType<BaseConfig & { PORT: number }>>(
  options: Omit<ServiceOptions<S>, "config" | "logger"> & { configSchema: C },
  wire: (kit: ServiceKit<S>, config: z.infer<C>) => Promise<void>,
): void {
  runMain(async () => {
    const { configSchema, ...serviceOptions } = options;
    const config = loadConfig(configSchema);
    const logger = createLogger({
      service: options.name,
      level: config.LOG_LEVEL,
      format: config.LOG_FORMAT,
    });
    await startService({ ...serviceOptions, config, logger }, (kit) => wire(kit, config));
  });
}
