/**
 * Footprint: each service's resident memory once started and idle, its time from spawn to
 * ready, and what a kit service's memory is made of (RSS of a bare Bun process after
 * importing each package the kit uses, alone and together).
 */
import { join } from "node:path";
import { ROOT, SERVICES } from "../lib/services.ts";
import { quiet, startBenchShop } from "./bench-shop.ts";
import { rssMb } from "./process-stats.ts";

export async function benchFootprint() {
  const shop = await startBenchShop();
  try {
    await quiet(shop);
    await Bun.sleep(3_000);
    const idleRssMb: Record<string, number> = {};
    for (const { name } of SERVICES) idleRssMb[name] = rssMb(shop.services[name].pid);
    const readyMs: Record<string, number> = {};
    for (const { name } of SERVICES) {
      const service = shop.services[name];
      await service.stop();
      const t0 = performance.now();
      await service.restart();
      readyMs[name] = Math.round(performance.now() - t0);
    }
    return { idleRssMb, readyFromSpawnMs: readyMs, importRssMb: await importCosts() };
  } finally {
    await shop.stop();
  }
}

const MODULES = [
  "hono",
  "@hono/zod-openapi",
  "@nats-io/transport-node",
  "@nats-io/jetstream",
  "drizzle-orm/bun-sqlite",
  "@libsql/client",
  "pino",
  "prom-client",
  "zod",
  "@shop/shared/contracts",
  "@shop/shared/kit",
];

/** RSS of a fresh Bun process after importing `modules` (after a full GC). */
async function rssAfterImporting(modules: readonly string[]): Promise<number> {
  const imports = modules.map((m) => `await import(${JSON.stringify(m)});`).join(" ");
  const proc = Bun.spawn(
    [
      process.execPath,
      "-e",
      `${imports} Bun.gc(true); await Bun.sleep(50); const s = require("fs").readFileSync("/proc/self/status", "utf8"); console.log(/VmRSS:\\s+(\\d+)/.exec(s)[1]);`,
    ],
    { cwd: join(ROOT, "services", "orders"), stdout: "pipe", stderr: "inherit" },
  );
  return +(Number((await new Response(proc.stdout).text()).trim()) / 1024).toFixed(1);
}

async function importCosts() {
  const bare = await rssAfterImporting([]);
  const alone: Record<string, number> = { "bun (nothing imported)": bare };
  for (const module of MODULES)
    alone[module] = +((await rssAfterImporting([module])) - bare).toFixed(1);
  return alone;
}
