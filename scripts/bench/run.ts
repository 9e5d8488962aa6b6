/** `npm run bench`: prints the machine, then each benchmark's figures as JSON lines. */
import { describeMachine } from "./machine.ts";
import { benchProjection } from "./projection-bench.ts";
import { benchSaga } from "./saga-bench.ts";

const events = Number(process.env.BENCH_EVENTS ?? 50_000);
const orders = Number(process.env.BENCH_ORDERS ?? 500);
console.log(JSON.stringify({ machine: await describeMachine() }));
console.log(JSON.stringify({ projection: { events, results: await benchProjection(events) } }));
console.log(
  JSON.stringify({ saga: await benchSaga(orders, Number(process.env.BENCH_CONCURRENCY ?? 20)) }),
);
