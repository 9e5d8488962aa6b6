import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { ChaosContext } from "./chaos-context.ts";
import { startChaosShop } from "./chaos-shop.ts";
import { type CheckResult, checkAll } from "./check-all.ts";
import { runEventFuzz } from "./event-fuzzer.ts";
import { planFaults, runFaults } from "./fault-schedule.ts";
import { runHttpFuzz } from "./http-fuzzer.ts";
import { placeCanaries, runLoad } from "./load-generator.ts";
import type { ChaosOptions } from "./options.ts";
import { createProgress } from "./progress.ts";
import { createRandom } from "./random.ts";
import { type ChaosReport, orderFigures } from "./report.ts";
import { setupCatalog } from "./setup-catalog.ts";
import { createStreamCache, type StreamCache } from "./stream-reader.ts";
import { createViolationLog } from "./violations.ts";

/** Seams for checking the checker: `beforeCheck` runs once the load is over, before any check. */
export interface ChaosHooks {
  beforeCheck?: (ctx: ChaosContext) => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls ORDERS until every accepted order has a terminal event, or `until` passes. */
async function awaitTerminal(ctx: ChaosContext, cache: StreamCache, until: number) {
  for (;;) {
    const settled = new Set<string>();
    for (const m of await cache.read("ORDERS"))
      if (m.event?.type === "order.confirmed" || m.event?.type === "order.cancelled")
        settled.add((m.event.data as { orderId: string }).orderId);
    const pending = [...ctx.accepted.keys()].filter((id) => !settled.has(id)).length;
    if (pending === 0 || Date.now() > until) return pending;
    await sleep(1_000);
  }
}

/**
 * One chaos run: the shop under load while every process and the broker are killed and
 * restarted, HTTP and event fuzzing alongside, then the invariants checked once the system
 * is quiet (retried until clean or `quietTimeoutMs`). `emit` receives every JSON line.
 */
export async function runChaos(
  options: ChaosOptions,
  emit: (line: Record<string, unknown>) => void = () => {},
  hooks: ChaosHooks = {},
): Promise<ChaosReport> {
  const started = Date.now();
  const chaos = await startChaosShop(options);
  const ctx: ChaosContext = {
    options,
    random: createRandom(options.seed),
    chaos,
    urlOf: (service) => chaos.shop.services[service].url,
    violations: createViolationLog(),
    failedCommands: [],
    progress: createProgress(options.orders),
    accepted: new Map(),
    emit: (kind, fields) =>
      emit(Object.assign({ kind, t: Date.now() - started }, fields, { kind })),
    overTime: () => Date.now() - started > options.maxDurationMs,
    faultsDone: false,
    ordersPerSecond: Number.POSITIVE_INFINITY,
  };
  const nc = await connect({
    servers: chaos.shop.nats.url,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    name: "chaos-checker",
  });
  try {
    ctx.emit("start", {
      logDir: chaos.logDir,
      processes: chaos.processes.map((p) => p.name),
      nats: chaos.shop.nats.url,
    });
    const catalog = await setupCatalog(ctx);
    ctx.emit("setup", {
      users: catalog.users.length,
      skus: catalog.skus.length,
      initialUnits: catalog.initialUnits,
    });
    const faults = planFaults(ctx);
    if (faults.length > 0)
      ctx.ordersPerSecond = options.orders / ((faults.length * options.faultSpacingMs) / 1_000);
    ctx.emit("plan", { faults: faults.length, ordersPerSecondAtMost: ctx.ordersPerSecond });
    const ticker = setInterval(
      () =>
        ctx.emit("progress", {
          accepted: ctx.progress.accepted(),
          violations: ctx.violations.total(),
        }),
      10_000,
    );
    const targets = {
      users: catalog.users,
      skus: catalog.skus,
      orders: () => [...ctx.accepted.keys()],
      withGateway: chaos.gatewayUrl !== undefined,
      live: options.fuzzLiveSubjects,
    };
    const [records, httpFuzz, eventFuzz] = await Promise.all([
      runFaults(ctx, faults).finally(() => {
        ctx.faultsDone = true;
      }),
      runHttpFuzz(ctx, targets),
      runEventFuzz(ctx, targets),
      runLoad(ctx, catalog),
    ]).finally(() => clearInterval(ticker));
    const lastFaultEnd = Math.max(started, ...records.map((r) => r.restartedAt));
    ctx.emit("load-done", { accepted: ctx.accepted.size, httpFuzz, eventFuzz });
    const canaries = await placeCanaries(ctx, catalog);
    ctx.emit("canaries", { placed: canaries.map((c) => c.orderId) });

    await hooks.beforeCheck?.(ctx);
    const cache = createStreamCache(jetstream(nc), await jetstreamManager(nc));
    const lastAccepted = Math.max(0, ...[...ctx.accepted.values()].map((o) => o.acceptedAt));
    const pending = await awaitTerminal(
      ctx,
      cache,
      Math.max(lastFaultEnd, lastAccepted) + options.terminalWithinMs,
    );
    const quietAt = Date.now();
    ctx.emit("quiet", { pendingOrders: pending });
    let result: CheckResult;
    let checks = 0;
    const jsm = await jetstreamManager(nc);
    for (;;) {
      checks += 1;
      result = await checkAll(ctx, { cache, jsm }, { users: catalog.users, lastFaultEnd });
      ctx.emit("check", { attempt: checks, violations: result.violations.counts() });
      if (result.violations.total() === 0 || Date.now() - quietAt > options.quietTimeoutMs) break;
      await sleep(3_000);
    }
    if (records.length < faults.length || ctx.progress.accepted() < options.orders)
      ctx.violations.add(
        "run-complete",
        `seed ${options.seed}`,
        `out of time (${options.maxDurationMs} ms): ${records.length} of ${faults.length} faults, ${ctx.progress.accepted()} of ${options.orders} orders`,
      );
    const violations = [...ctx.violations.all(), ...result.violations.all()];
    const violationCounts = { ...ctx.violations.counts() };
    for (const [k, v] of Object.entries(result.violations.counts()))
      violationCounts[k] = (violationCounts[k] ?? 0) + v;
    const report: ChaosReport = {
      options,
      durationMs: Date.now() - started,
      orders: orderFigures(ctx.accepted, result, lastFaultEnd),
      faults: { injected: records.length, skipped: faults.length - records.length, records },
      httpFuzz,
      eventFuzz,
      broker: result.broker,
      streamMessages: result.streamMessages,
      undecodableMessages: result.undecodable,
      quietCheckAfterMs: Date.now() - quietAt,
      checks,
      violationCounts,
      violationTotal: ctx.violations.total() + result.violations.total(),
      violations,
      logDir: chaos.logDir,
    };
    for (const v of violations) emit({ kind: "violation", ...v });
    return report;
  } finally {
    await nc
      .close()
      .catch((err: unknown) =>
        console.warn(`chaos: closing the NATS connection failed: ${(err as Error).message}`),
      );
    await chaos.stop();
  }
}
