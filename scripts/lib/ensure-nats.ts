import { existsSync, mkdirSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { join } from "node:path";
import { ROOT } from "./services.ts";

const canConnect = (host: string, port: number, timeoutMs = 1_000) =>
  new Promise<boolean>((resolve) => {
    const socket = connectTcp({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });

function findNatsServer(): string | undefined {
  const configured = process.env.NATS_SERVER_BIN;
  if (configured) return existsSync(configured) ? configured : undefined;
  return (
    Bun.which("nats-server") ??
    ["/usr/sbin/nats-server", "/usr/local/bin/nats-server"].find((p) => existsSync(p))
  );
}

const HOW_TO_GET_NATS = `No NATS answers at the configured NATS_URL and no nats-server binary was found. Get one:
  Debian/Ubuntu:  sudo apt-get install -y nats-server
  macOS:          brew install nats-server
  Docker:         docker compose up -d nats
or point NATS_URL at a running server (JetStream enabled), or NATS_SERVER_BIN at the binary.`;

/**
 * Uses the NATS at `url` when it answers; otherwise starts `nats-server -js` on that port
 * with its store under data/nats (git-ignored). Exits with instructions when there is no
 * binary. Returns a stop function for a server it started (a no-op otherwise).
 */
export async function ensureNats(url: string): Promise<() => Promise<void>> {
  const { hostname, port } = new URL(url.replace(/^nats:/, "http:"));
  const natsPort = Number(port || 4222);
  if (await canConnect(hostname, natsPort)) {
    console.log(`using NATS at ${url}`);
    return async () => undefined;
  }
  const binary = findNatsServer();
  if (!binary) {
    console.error(HOW_TO_GET_NATS);
    process.exit(1);
  }
  const storeDir = join(ROOT, "data", "nats");
  mkdirSync(storeDir, { recursive: true });
  console.log(`starting ${binary} -js on ${hostname}:${natsPort} (store ${storeDir})`);
  const server = Bun.spawn(
    [binary, "-js", "-a", hostname, "-p", String(natsPort), "-sd", storeDir],
    { stdout: "ignore", stderr: "inherit" },
  );
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(hostname, natsPort))) {
    if (server.exitCode !== null || Date.now() > deadline) {
      console.error(`nats-server did not start (exit code ${server.exitCode}).`);
      process.exit(1);
    }
    await Bun.sleep(100);
  }
  return async () => {
    server.kill("SIGTERM");
    await server.exited;
  };
}
