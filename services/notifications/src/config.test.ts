import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "@shop/shared/kit";
import { configSchema } from "./config.ts";

describe("notifications config", () => {
  test("logs notifications on port 3005 unless told otherwise", () => {
    const config = loadConfig(configSchema, {});
    expect(config.PORT).toBe(3005);
    expect(config.NOTIFICATIONS_WEBHOOK_URL).toBeUndefined();
    expect(config.NOTIFICATIONS_WEBHOOK_TIMEOUT_MS).toBe(5_000);
  });

  test("treats an empty webhook URL as not set", () => {
    expect(
      loadConfig(configSchema, { NOTIFICATIONS_WEBHOOK_URL: "" }).NOTIFICATIONS_WEBHOOK_URL,
    ).toBeUndefined();
  });

  test("takes an http(s) webhook URL and its timeout", () => {
    const config = loadConfig(configSchema, {
      NOTIFICATIONS_WEBHOOK_URL: "https://hooks.example.com/shop",
      NOTIFICATIONS_WEBHOOK_TIMEOUT_MS: "750",
    });
    expect(config.NOTIFICATIONS_WEBHOOK_URL).toBe("https://hooks.example.com/shop");
    expect(config.NOTIFICATIONS_WEBHOOK_TIMEOUT_MS).toBe(750);
  });

  test("refuses a webhook URL that is not http(s), naming the variable", () => {
    expect(() =>
      loadConfig(configSchema, { NOTIFICATIONS_WEBHOOK_URL: "ftp://example.com" }),
    ).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, { NOTIFICATIONS_WEBHOOK_URL: "not a url" })).toThrow(
      /NOTIFICATIONS_WEBHOOK_URL/,
    );
  });
});
