import type { ChaosContext } from "./chaos-context.ts";
import type { ChaosProcess } from "./chaos-shop.ts";

/** One planned fault: a process SIGKILLed, or nats-server SIGKILLed or SIGTERMed, then restarted. */
export interface Fault {
  target: ChaosProcess["name"] | "nats-server";
  signal: "SIGKILL" | "SIGTERM";
}

/** What happened: when, for how long, how soon the shop was ready again. */
export interface FaultRecord extends Fault {
  at: number;
  downMs: number;
  /** When the target was back (its process ready, or the broker accepting connections). */
  restartedAt: number;
  /** Until every service answered /health/ready 200 again; undefined if they did not in time. */
  readyAfterMs: number | undefined;
}

const READY_WITHIN_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every fault the options ask for, in a seeded order. */
export function planFaults(ctx: ChaosContext): Fault[] {
  const { options } = ctx;
  const faults: Fault[] = [];
  for (const process of ctx.chaos.processes)
    for (let i = 0; i < options.killsPerService; i++)
      faults.push({ target: process.name, signal: "SIGKILL" });
  for (let i = 0; i < options.brokerKills; i++)
    faults.push({ target: "nats-server", signal: "SIGKILL" });
  for (let i = 0; i < options.brokerTerms; i++)
    faults.push({ target: "nats-server", signal: "SIGTERM" });
  return ctx.random.fork("faults").shuffle(faults);
}

async function allReady(ctx: ChaosContext): Promise<boolean> {
  const answers = await Promise.all(
    ctx.chaos.processes.map((p) =>
      fetch(`${p.handle.url}/health/ready`, { signal: AbortSignal.timeout(2_000) })
        .then(async (r) => {
          await r.body?.cancel();
          return r.status === 200;
        })
        .catch(() => false),
    ),
  );
  return answers.every(Boolean);
}

async function restartProcess(ctx: ChaosContext, process: ChaosProcess, incarnation: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      await process.handle.restart();
      return;
    } catch (err) {
      ctx.chaos.saveLogs(process.name, `${incarnation}-failed-start-${attempt}`);
      ctx.violations.add(
        "restart",
        process.name,
        `restart ${attempt} failed: ${(err as Error).message.split("\n").slice(0, 8).join(" | ")}`,
      );
      if (attempt >= 3) throw err;
    }
  }
}

async function inject(ctx: ChaosContext, fault: Fault, index: number): Promise<FaultRecord> {
  const downMs = ctx.random.int(200, 1_500);
  const at = Date.now();
  const label = `fault${index}`;
  if (fault.target === "nats-server") {
    const nats = ctx.chaos.shop.nats;
    ctx.chaos.saveLogs("nats-server", label);
    await (fault.signal === "SIGKILL" ? nats.kill() : nats.stop());
    await sleep(downMs);
    await nats.restart();
  } else {
    const process = ctx.chaos.processes.find((p) => p.name === fault.target) as ChaosProcess;
    await process.handle.kill();
    ctx.chaos.saveLogs(process.name, label);
    await sleep(downMs);
    await restartProcess(ctx, process, label);
  }
  const restartedAt = Date.now();
  let readyAfterMs: number | undefined;
  while (Date.now() - restartedAt < READY_WITHIN_MS) {
    if (await allReady(ctx)) {
      readyAfterMs = Date.now() - restartedAt;
      break;
    }
    await sleep(250);
  }
  if (readyAfterMs === undefined)
    ctx.violations.add(
      "ready-after-fault",
      fault.target,
      `some service was not ready ${READY_WITHIN_MS} ms after ${fault.target} (${fault.signal}) came back`,
    );
  return { ...fault, at, downMs, restartedAt, readyAfterMs };
}

/**
 * Injects the faults one at a time, the i-th of n once (i+1)/(n+1) of the orders are accepted,
 * so they land on a flowing saga (the load keeps going past its target until they are done).
 * Once the run's time is up, the remaining ones are skipped (the report says so).
 */
export async function runFaults(ctx: ChaosContext, faults: Fault[]): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  for (const [index, fault] of faults.entries()) {
    await ctx.progress.reach((index + 1) / (faults.length + 1));
    if (ctx.overTime()) break;
    const record = await inject(ctx, fault, index);
    records.push(record);
    ctx.emit("fault", {
      index,
      target: record.target,
      signal: record.signal,
      downMs: record.downMs,
      restartMs: record.restartedAt - record.at,
      readyAfterMs: record.readyAfterMs ?? null,
      acceptedOrders: ctx.progress.accepted(),
    });
  }
  return records;
}
