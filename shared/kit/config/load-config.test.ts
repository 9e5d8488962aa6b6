import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { baseConfigSchema, ConfigError, intFromEnv, loadConfig } from "./load-config.ts";

const serviceSchema = baseConfigSchema.extend({ PORT: intFromEnv(3000) });

function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(serviceSchema, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected loadConfig to throw");
}

describe("loadConfig", () => {
  test("applies the defaults when nothing is set", () => {
    expect(loadConfig(serviceSchema, {})).toEqual({
      NATS_URL: "nats://127.0.0.1:4222",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      DATA_DIR: "data",
      HOST: "0.0.0.0",
      SHUTDOWN_TIMEOUT_MS: 10_000,
      PORT: 3000,
    });
  });

  test("parses the values that are set", () => {
    const config = loadConfig(serviceSchema, {
      PORT: "8080",
      LOG_LEVEL: "debug",
      DATABASE_DRIVER: "libsql",
      SHUTDOWN_TIMEOUT_MS: "2500",
    });
    expect(config).toMatchObject({
      PORT: 8080,
      LOG_LEVEL: "debug",
      DATABASE_DRIVER: "libsql",
      SHUTDOWN_TIMEOUT_MS: 2500,
    });
  });

  test("a bad value throws a ConfigError naming the variable and the value", () => {
    const err = configErrorOf({ PORT: "eighty" });
    expect(err.name).toBe("ConfigError");
    expect(err.message).toContain("PORT");
    expect(err.message).toContain('"eighty"');
  });

  test("every offending variable is named, and only those", () => {
    const err = configErrorOf({
      PORT: "-1.5",
      LOG_LEVEL: "loud",
      SHUTDOWN_TIMEOUT_MS: "5",
      DATA_DIR: "somewhere",
    });
    const lines = err.message.split("\n").slice(1);
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.trim().startsWith("PORT:"))).toBeDefined();
    expect(lines.find((l) => l.trim().startsWith("LOG_LEVEL:"))).toContain('"loud"');
    expect(lines.find((l) => l.trim().startsWith("SHUTDOWN_TIMEOUT_MS:"))).toContain('"5"');
    expect(err.message).not.toContain("DATA_DIR");
  });

  test("an empty integer variable is refused, not read as 0", () => {
    // `PORT=` in an env file would otherwise bind a random port without a word.
    const err = configErrorOf({ PORT: "" });
    expect(err.message).toContain("PORT");
  });

  test("a required variable that is missing is named", () => {
    const schema = z.object({ API_KEY: z.string().min(1) });
    expect(() => loadConfig(schema, {})).toThrow(/API_KEY/);
  });
});

describe("intFromEnv", () => {
  test("coerces digits, falls back to the default and refuses values under the minimum", () => {
    const schema = intFromEnv(7, { min: 1 });
    expect(schema.parse(undefined)).toBe(7);
    expect(schema.parse("12")).toBe(12);
    expect(schema.safeParse("0").success).toBe(false);
    expect(schema.safeParse("1.5").success).toBe(false);
  });
});
