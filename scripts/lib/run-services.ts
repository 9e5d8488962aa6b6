import { dirname, join } from "node:path";
import { ensureNats, NatsUnusable } from "./ensure-nats.ts";
import {
  CARD_GATEWAY,
  cardGatewayPort,
  ROOT,
  SERVICES,
  servicePort,
  sourceEntry,
} from "./services.ts";

export interface RunMode {
  /** Restart a service when its files change (dev). */
  watch: boolean;
  /** Environment every service gets unless the caller's environment sets it. */
  defaults: Record<string, string>;
  /** The file a service or the card gateway runs from: its source (the default) or its bundle. */
  entry?: (name: string) => string;
}

/**
 * Runs the services named on the command line (all when none), each as its own Bun process
 * with prefixed output, against a current NATS (see ensureNats). Ctrl-C or SIGTERM stops them
 * all gracefully; if one exits, the others are stopped too.
 */
export async function runServices(mode: RunMode): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !SERVICES.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(
      `unknown service(s): ${unknown.join(", ")}; known: ${SERVICES.map((s) => s.name).join(", ")}`,
    );
    process.exit(1);
  }
  const selected = SERVICES.filter((s) => wanted.length === 0 || wanted.includes(s.name));
  const nats = await ensureNats(process.env.NATS_URL ?? "nats://127.0.0.1:4222", {
    explicit: process.env.NATS_URL !== undefined,
  }).catch((err: unknown) => {
    if (!(err instanceof NatsUnusable)) throw err;
    console.error(err.message);
    process.exit(1);
  });

  // Payments charges through the card gateway, started here unless PAYMENT_GATEWAY_URL names one.
  const withGateway =
    selected.some((s) => s.name === "payments") && process.env.PAYMENT_GATEWAY_URL === undefined;
  const gatewayEnv: Record<string, string> = withGateway
    ? { PAYMENT_GATEWAY_URL: `http://127.0.0.1:${cardGatewayPort()}` }
    : {};
  const processes = [
    ...(withGateway ? [{ name: CARD_GATEWAY.name, port: cardGatewayPort() }] : []),
    ...selected.map((s) => ({ name: s.name, port: servicePort(s.name) })),
  ].map((p) => ({ ...p, entry: (mode.entry ?? sourceEntry)(p.name) }));

  const colors = [36, 35, 33, 32, 34, 91];
  const children = processes.map((service, i) => {
    const prefix = `\x1b[${colors[i % colors.length]}m${service.name.padEnd(13)}\x1b[0m| `;
    const child = Bun.spawn([process.execPath, ...(mode.watch ? ["--watch"] : []), service.entry], {
      cwd: dirname(dirname(service.entry)),
      env: {
        DATA_DIR: join(ROOT, "data"),
        ...mode.defaults,
        ...gatewayEnv,
        ...process.env,
        NATS_URL: nats.url,
        PORT: String(service.port),
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    for (const stream of [child.stdout, child.stderr]) {
      (async () => {
        let buffered = "";
        for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
          buffered += chunk;
          const lines = buffered.split("\n");
          buffered = lines.pop() ?? "";
          for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
        }
      })();
    }
    console.log(`${prefix}http://127.0.0.1:${service.port}`);
    return child;
  });

  let stopping = false;
  async function stopAll() {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => c.exited));
    await nats.stop();
    process.exit(0);
  }
  process.on("SIGINT", stopAll);
  process.on("SIGTERM", stopAll);
  await Promise.race(children.map((c) => c.exited));
  if (!stopping) {
    console.error("a service exited; stopping the others");
    await stopAll();
  }
}
