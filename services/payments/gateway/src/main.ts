/**
 * The card gateway: a stand-in for an external card processor, run as its own process. It
 * keeps a durable ledger of charges and refunds by idempotency key and knows nothing of the
 * shop (no broker, no events). Payments reaches it at PAYMENT_GATEWAY_URL.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createLogger, createMetrics, loadConfig, runMain } from "@shop/shared/kit";
import { gatewayConfigSchema } from "./config.ts";
import { createGatewayApp } from "./gateway-app.ts";
import { openLedger } from "./ledger.ts";

runMain(async () => {
  const config = loadConfig(gatewayConfigSchema);
  const logger = createLogger({
    service: "card-gateway",
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT,
  });
  mkdirSync(config.DATA_DIR, { recursive: true });
  const ledger = openLedger(join(config.DATA_DIR, "card-gateway.db"));
  const app = createGatewayApp({
    ledger,
    rules: {
      limitCents: config.PAYMENT_LIMIT_CENTS,
      declinedMethods: config.PAYMENT_DECLINED_METHODS,
    },
    logger,
    metrics: createMetrics({ service: "card-gateway" }),
    latencyMs: config.CARD_GATEWAY_LATENCY_MS,
  });
  const server = Bun.serve({ port: config.PORT, hostname: config.HOST, fetch: app.fetch });
  logger.info({ url: server.url.href }, "card gateway listening");

  const stop = async (signal: string) => {
    logger.info({ signal }, "stopping");
    // Answers in flight are finished first: each is already in the ledger, and is owed to its caller.
    await server.stop();
    ledger.close();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
});
