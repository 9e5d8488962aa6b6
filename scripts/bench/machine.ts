import { cpus, totalmem } from "node:os";
import { findNatsServer, natsVersions } from "@shop/shared/testing";

/** The machine and versions a benchmark ran on, printed with its figures. */
export async function describeMachine() {
  const nats = findNatsServer();
  const pkg = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
  return {
    cpu: `${cpus()[0]?.model ?? "unknown"} × ${cpus().length}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    bun: Bun.version,
    natsServer: nats.version,
    natsServerPinned: natsVersions().server,
    natsJs: pkg("@nats-io/jetstream"),
    drizzle: pkg("drizzle-orm"),
    hono: pkg("hono"),
    date: new Date().toISOString().slice(0, 10),
  };
}
