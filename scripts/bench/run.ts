/**
 * `npm run bench`: every benchmark in one run against the production start (`npm start`'s
 * settings), printing one JSON line per benchmark and writing the figures into BENCHMARKS.md
 * (between the `bench:results` markers). BENCH_SAGA_SECONDS (60), BENCH_HTTP_SECONDS (15) and
 * BENCH_HISTORY_ORDERS (100000) shorten or lengthen it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../lib/services.ts";
import { benchFootprint } from "./footprint-bench.ts";
import { benchHttp } from "./http-bench.ts";
import { benchInventoryColdStart } from "./inventory-cold-start.ts";
import { benchJetStreamCeiling } from "./jetstream-ceiling.ts";
import { describeMachine } from "./machine.ts";
import { benchSaga } from "./saga-bench.ts";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const only = process.argv.slice(2);
const results: Record<string, unknown> = {};

async function run(name: string, bench: () => Promise<unknown>) {
  if (only.length > 0 && !only.includes(name)) return;
  results[name] = await bench();
  console.log(JSON.stringify({ [name]: results[name] }));
}

await run("machine", describeMachine);
await run("jetstreamCeiling", () => benchJetStreamCeiling());
await run("saga", () => benchSaga({ seconds: env("BENCH_SAGA_SECONDS", 60), clients: 32 }));
await run("http", () => benchHttp({ seconds: env("BENCH_HTTP_SECONDS", 15) }));
await run("footprint", benchFootprint);
await run("inventoryColdStart", () =>
  benchInventoryColdStart(env("BENCH_HISTORY_ORDERS", 100_000)),
);

if (only.length === 0) {
  const file = join(ROOT, "BENCHMARKS.md");
  const text = readFileSync(file, "utf8");
  const block = `<!-- bench:results -->\n\`\`\`json\n${JSON.stringify(results, null, 2)}\n\`\`\`\n<!-- /bench:results -->`;
  const marked = /<!-- bench:results -->[\s\S]*<!-- \/bench:results -->/;
  writeFileSync(file, marked.test(text) ? text.replace(marked, block) : `${text}\n${block}\n`);
  console.log("wrote the figures into BENCHMARKS.md");
}
