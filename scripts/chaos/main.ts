/**
 * `npm run chaos`: the fault suite. Runs the shop under load while every process and
 * nats-server are killed and restarted, fuzzes every endpoint and subject, then checks the
 * invariants. Prints JSON lines (one per event, then the report) and a human summary; exits 1
 * on any violation, 2 when the run itself fails. Flags and CHAOS_* variables: see options.ts.
 */
import { parseOptions, usage } from "./options.ts";
import { formatSummary } from "./report.ts";
import { runChaos } from "./run-chaos.ts";

let options: ReturnType<typeof parseOptions>;
const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(usage());
  process.exit(0);
}
try {
  options = parseOptions(argv);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const line = (fields: Record<string, unknown>) => console.log(JSON.stringify(fields));
try {
  const report = await runChaos(options, line);
  const { violations: _listed, ...figures } = report;
  line({ kind: "report", ...figures });
  if (!options.jsonOnly) console.log(formatSummary(report));
  process.exit(report.violationTotal === 0 ? 0 : 1);
} catch (err) {
  console.error("chaos run failed:", err);
  process.exit(2);
}
