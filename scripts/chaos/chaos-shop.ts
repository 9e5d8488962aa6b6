import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTempDir,
  getFreePort,
  type ServiceProcessHandle,
  startServiceProcess,
  type TempDir,
} from "@shop/shared/testing";
import {
  SERVICE_NAMES,
  type ServiceName,
  type Shop,
  startShop,
} from "../../tests/e2e/shop-harness.ts";
import { ROOT } from "../lib/services.ts";

const GATEWAY_ENTRY = join(ROOT, "services", "payments", "gateway", "src", "main.ts");

/** One process the fault schedule can kill: a service, or the card gateway. */
export interface ChaosProcess {
  name: ServiceName | "card-gateway";
  handle: ServiceProcessHandle;
}

/** The shop under test, with every killable process and a place for their logs. */
export interface ChaosShop {
  shop: Shop;
  processes: ChaosProcess[];
  /** The card gateway's URL, when payments charges through one. */
  gatewayUrl: string | undefined;
  logDir: string;
  /** Writes the current log lines of `process` (or of nats-server) to the log folder; `label` names the incarnation. */
  saveLogs(name: ChaosProcess["name"] | "nats-server", label: string): void;
  stop(): Promise<void>;
}

/**
 * Starts the whole shop on a harness nats-server (see tests/e2e/shop-harness.ts). With
 * `gateway: "auto"` and the card gateway in the code, it runs as its own process first and
 * payments charges through it; a harness that starts its own gateway (a `gateway` handle on
 * the shop) is used instead.
 */
export async function startChaosShop(options: {
  gateway: "auto" | "off";
  logDir: string | undefined;
}): Promise<ChaosShop> {
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), "chaos-logs-"));
  mkdirSync(logDir, { recursive: true });
  let gateway: { handle: ServiceProcessHandle; data: TempDir } | undefined;
  if (options.gateway === "auto" && existsSync(GATEWAY_ENTRY)) {
    const data = createTempDir("chaos-gateway-");
    const port = await getFreePort();
    const handle = await startServiceProcess({
      name: "card-gateway",
      entry: GATEWAY_ENTRY,
      port,
      env: { PORT: String(port), DATA_DIR: data.path, LOG_LEVEL: "warn" },
    });
    gateway = { handle, data };
  }
  const env = gateway ? { payments: { PAYMENT_GATEWAY_URL: gateway.handle.url } } : {};
  let shop: Shop;
  try {
    shop = await startShop(env);
  } catch (err) {
    await gateway?.handle.stop();
    gateway?.data.cleanup();
    throw err;
  }
  const harnessGateway = (shop as unknown as { gateway?: ServiceProcessHandle }).gateway;
  const gatewayHandle = gateway?.handle ?? harnessGateway;
  const processes: ChaosProcess[] = [
    ...SERVICE_NAMES.map((name) => ({ name, handle: shop.services[name] })),
    ...(gatewayHandle ? [{ name: "card-gateway" as const, handle: gatewayHandle }] : []),
  ];
  const saveLogs: ChaosShop["saveLogs"] = (name, label) => {
    const lines =
      name === "nats-server"
        ? shop.nats.logs()
        : (processes.find((p) => p.name === name)?.handle.logs() ?? []);
    writeFileSync(join(logDir, `${name}.${label}.log`), `${lines.join("\n")}\n`);
  };
  return {
    shop,
    processes,
    gatewayUrl: gatewayHandle?.url,
    logDir,
    saveLogs,
    async stop() {
      for (const p of processes) saveLogs(p.name, "final");
      saveLogs("nats-server", "final");
      await shop.stop();
      if (gateway) {
        if (gateway.handle.isRunning()) await gateway.handle.stop();
        gateway.data.cleanup();
      }
    },
  };
}
