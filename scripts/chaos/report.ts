import type { AcceptedOrder } from "./chaos-context.ts";
import type { CheckResult } from "./check-all.ts";
import type { EventFuzzFigures } from "./event-fuzzer.ts";
import type { FaultRecord } from "./fault-schedule.ts";
import type { HttpFuzzFigures } from "./http-fuzzer.ts";
import type { ChaosOptions } from "./options.ts";
import type { Violation } from "./violations.ts";

/** Everything a run found, as printed and as returned to a test. */
export interface ChaosReport {
  options: ChaosOptions;
  durationMs: number;
  orders: {
    accepted: number;
    byIntent: Record<string, number>;
    confirmed: number;
    cancelledByReason: Record<string, number>;
    pending: number;
    /** From the end of the last fault until the last accepted order was terminal. */
    settledAfterLastFaultMs: number | undefined;
  };
  faults: { injected: number; skipped: number; records: FaultRecord[] };
  httpFuzz: HttpFuzzFigures;
  eventFuzz: EventFuzzFigures;
  broker: CheckResult["broker"];
  streamMessages: Record<string, number>;
  undecodableMessages: Record<string, number>;
  /** How long after the system went quiet the final check ran (it is retried until clean or out of time). */
  quietCheckAfterMs: number;
  checks: number;
  violationCounts: Record<string, number>;
  violationTotal: number;
  violations: Violation[];
  logDir: string;
}

export function orderFigures(
  accepted: ReadonlyMap<string, AcceptedOrder>,
  result: CheckResult,
  lastFaultEnd: number,
): ChaosReport["orders"] {
  const byIntent: Record<string, number> = {};
  const cancelledByReason: Record<string, number> = {};
  let confirmed = 0;
  let pending = 0;
  let lastTerminal = 0;
  for (const order of accepted.values()) {
    byIntent[order.intent] = (byIntent[order.intent] ?? 0) + 1;
    const first = result.facts.orders.get(order.orderId)?.terminals[0];
    if (!first) pending += 1;
    else if (first.type === "order.confirmed") confirmed += 1;
    else cancelledByReason[first.reason ?? "?"] = (cancelledByReason[first.reason ?? "?"] ?? 0) + 1;
    if (first) lastTerminal = Math.max(lastTerminal, first.time.getTime());
  }
  return {
    accepted: accepted.size,
    byIntent,
    confirmed,
    cancelledByReason,
    pending,
    settledAfterLastFaultMs: pending === 0 ? Math.max(0, lastTerminal - lastFaultEnd) : undefined,
  };
}

/** The human summary printed after the JSON lines. */
export function formatSummary(report: ChaosReport): string {
  const o = report.orders;
  const h = report.httpFuzz;
  const e = report.eventFuzz;
  const faultsBy: Record<string, number> = {};
  for (const f of report.faults.records)
    faultsBy[`${f.target} ${f.signal}`] = (faultsBy[`${f.target} ${f.signal}`] ?? 0) + 1;
  const list = (r: Record<string, number>) =>
    Object.entries(r)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  const lines = [
    "",
    `chaos run, seed ${report.options.seed}: ${Math.round(report.durationMs / 1000)} s`,
    `  orders      ${o.accepted} accepted (${list(o.byIntent)}); ${o.confirmed} confirmed, ${Object.values(o.cancelledByReason).reduce((a, b) => a + b, 0)} cancelled (${list(o.cancelledByReason)}), ${o.pending} pending`,
    `              all terminal ${o.settledAfterLastFaultMs === undefined ? "NEVER" : `${(o.settledAfterLastFaultMs / 1000).toFixed(1)} s`} after the last fault`,
    `  faults      ${report.faults.injected} injected (${list(faultsBy)})${report.faults.skipped ? `, ${report.faults.skipped} SKIPPED (out of time)` : ""}`,
    `  http fuzz   ${h.sent} requests, ${h.answered} answered, ${h.unanswered} unanswered; statuses ${list(h.byStatus)}; ${h.ordersAccepted} orders accepted; ${h.idempotencyPairs} key replays`,
    `  event fuzz  ${e.published} messages (${(e.bytes / 1e6).toFixed(1)} MB; ${list(e.byKind)}), ${e.publishErrors} publish errors`,
    `  dead letters ${list(report.broker.deadLettersByCode)}`,
    `              by consumer: ${list(report.broker.deadLettersByConsumer)}`,
    `  consumers   ${report.broker.durableConsumers} durable; ephemeral per stream: ${list(report.broker.ephemeralConsumers)}`,
    `  streams     ${list(report.streamMessages)}; undecodable: ${list(report.undecodableMessages)}`,
    `  checked     ${report.checks} time(s), the last ${(report.quietCheckAfterMs / 1000).toFixed(1)} s after quiet; logs in ${report.logDir}`,
    `  VIOLATIONS  ${report.violationTotal}${report.violationTotal ? `: ${list(report.violationCounts)}` : ""}`,
    ...report.violations.map((v) => `    - [${v.invariant}] ${v.subject}: ${v.detail}`),
  ];
  return lines.join("\n");
}
