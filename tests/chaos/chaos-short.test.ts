import { expect, test } from "bun:test";
import { type ChaosOptions, DEFAULT_OPTIONS } from "../../scripts/chaos/options.ts";
import { formatSummary } from "../../scripts/chaos/report.ts";
import { runChaos } from "../../scripts/chaos/run-chaos.ts";

/** `npm run chaos` in small: the same runner and invariants, sized for CI (see scripts/chaos). */
const SHORT: ChaosOptions = {
  ...DEFAULT_OPTIONS,
  orders: 300,
  clients: 6,
  usersPerClient: 2,
  killsPerService: 1,
  brokerKills: 1,
  brokerTerms: 0,
  httpFuzz: 1_000,
  eventFuzz: 1_000,
  eventFuzzLarge: 4,
  canaries: 3,
  seed: 8,
  quietTimeoutMs: 30_000,
  maxDurationMs: 100_000,
};

test("every invariant holds while each process and nats-server are killed and restarted under load and fuzzing", async () => {
  const report = await runChaos(SHORT);
  const summary = formatSummary(report);
  console.log(summary);
  if (report.violationTotal > 0)
    throw new Error(`chaos: ${report.violationTotal} violations${summary}`);
  expect(report.faults.injected).toBe(report.faults.records.length);
  expect(report.faults.skipped).toBe(0);
  expect(report.orders.accepted).toBeGreaterThanOrEqual(SHORT.orders);
  expect(report.httpFuzz.sent).toBeGreaterThanOrEqual(SHORT.httpFuzz);
  expect(report.eventFuzz.published).toBe(SHORT.eventFuzz);
  expect(report.orders.pending).toBe(0);
}, 180_000);
