import { z } from "zod";

/** Raised when the environment does not satisfy a service's config schema. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Parses the environment once against `schema`. Throws a ConfigError whose message names
 * every offending variable and why, so a bad value stops start-up with a clear line.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const variable = issue.path.join(".") || "(environment)";
    return `  ${variable}: ${issue.message} (got ${JSON.stringify(env[variable] ?? null)})`;
  });
  throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
}

/** An integer environment variable with a default. */
export const intFromEnv = (fallback: number, { min = 0 }: { min?: number } = {}) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, "expected an integer")
    .transform(Number)
    .pipe(z.number().int().min(min))
    .default(fallback);

/** A comma-separated list in the environment, trimmed, empty items dropped; `fallback` when unset. */
export const listFromEnv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    );

/** The settings every service shares; services extend this with their own. */
export const baseConfigSchema = z.object({
  NATS_URL: z.string().min(1).default("nats://127.0.0.1:4222"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
  DATA_DIR: z.string().min(1).default("data"),
  DATABASE_URL: z.string().min(1).optional(),
  DATABASE_DRIVER: z.enum(["bun-sqlite", "libsql"]).optional(),
  DATABASE_AUTH_TOKEN: z.string().optional(),
  HOST: z.string().default("0.0.0.0"),
  SHUTDOWN_TIMEOUT_MS: intFromEnv(10_000, { min: 100 }),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;
