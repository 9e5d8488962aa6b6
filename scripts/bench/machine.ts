import { cpus, totalmem } from "node:os";

/** The machine and versions a benchmark ran on, printed with its figures. */
export async function describeMachine(natsServerBin = "nats-server") {
  const natsVersion = await new Response(
    Bun.spawn([natsServerBin, "--version"], { stdout: "pipe" }).stdout,
  ).text();
  return {
    cpu: `${cpus()[0]?.model ?? "unknown"} × ${cpus().length}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    bun: Bun.version,
    natsServer: natsVersion.trim(),
    date: new Date().toISOString().slice(0, 10),
  };
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
