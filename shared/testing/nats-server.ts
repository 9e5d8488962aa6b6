import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { join } from "node:path";
import { type ChildProcess, spawnChild } from "./child-process";
import { getFreePort } from "./free-port";
import { findNatsServer } from "./nats-binaries";
import { createTempDir } from "./temp-dir";
import { waitUntil } from "./wait-until";

export interface NatsServerOptions {
  /** Client port. Default: a free port (retried on "address in use"). */
  port?: number;
  /** JetStream store directory. Default: a fresh temp directory. Removed by `cleanup()` either way. */
  storeDir?: string;
  /** `server_name`; required for every node of a JetStream cluster. */
  serverName?: string;
  /** Extra nats-server configuration text (e.g. a `cluster { ... }` block), passed with `-c`. Flags win over it. */
  config?: string;
  /** Also serve the HTTP monitoring endpoints (`/varz`, `/jsz`) on a free port. Default false. */
  monitor?: boolean;
  /** How long to wait for "Server is ready" and an accepting client port. Default 10 000 ms. */
  timeoutMs?: number;
}

/** A running (or stopped) nats-server with JetStream on 127.0.0.1, owned by one test file. */
export interface NatsServerHandle {
  /** `nats://127.0.0.1:<port>`; unchanged across restarts. */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** `http://127.0.0.1:<port>` when started with `monitor: true`. */
  readonly monitorUrl: string | undefined;
  readonly serverName: string | undefined;
  isRunning(): boolean;
  /** The server's last log lines (it logs to stderr), for failure messages. */
  logs(): string[];
  /** SIGTERM (lame-duck free shutdown, JetStream flushed) and wait for the exit; SIGKILL after 10 s. No-op when stopped. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit: a crash, nothing flushed beyond what the file store already wrote. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and store directory. Throws if it is still running. */
  restart(): Promise<void>;
  /** Stops the server if running and removes its store directory and config. */
  cleanup(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;

/**
 * Starts `nats-server -a 127.0.0.1 -p <port> -js -sd <store>` and resolves once it logged
 * "Server is ready" and accepts TCP connections (JetStream is enabled before that line on a
 * single server; a cluster also needs a meta leader, see startNatsCluster). The binary is the
 * pinned one (see `findNatsServer`): an older server, such as a distribution's 2.9, is never
 * used. Rejects with install instructions when no recent enough binary is found, and with the
 * server's log tail when it fails to start.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const binary = findNatsServer().path;
  const home = createTempDir("nats-server");
  const storeDir = options.storeDir ?? join(home.path, "store");
  mkdirSync(storeDir, { recursive: true });
  const configFile = options.config === undefined ? undefined : join(home.path, "nats-server.conf");
  if (configFile !== undefined) writeFileSync(configFile, options.config ?? "");
  const monitorPort = options.monitor ? await getFreePort() : undefined;
  const timeoutMs = options.timeoutMs ?? 10_000;

  const argsFor = (port: number) => [
    binary,
    ...(configFile === undefined ? [] : ["-c", configFile]),
    ...(options.serverName === undefined ? [] : ["--server_name", options.serverName]),
    ...(monitorPort === undefined ? [] : ["-m", String(monitorPort)]),
    ...["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir],
  ];

  let port = options.port ?? (await getFreePort());
  let child: ChildProcess | undefined;
  for (let attempt = 1; ; attempt += 1) {
    try {
      child = await launch(argsFor(port), port, timeoutMs);
      break;
    } catch (error) {
      const portTaken = error instanceof Error && /address already in use/i.test(error.message);
      if (!portTaken || options.port !== undefined || attempt >= 3) {
        await home.cleanup();
        throw error;
      }
      port = await getFreePort();
    }
  }

  const running = () => child?.isRunning() ?? false;
  const handle: NatsServerHandle = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    monitorUrl: monitorPort === undefined ? undefined : `http://127.0.0.1:${monitorPort}`,
    serverName: options.serverName,
    isRunning: running,
    logs: () => child?.logs() ?? [],
    stop: async () => {
      const current = child;
      if (!current?.isRunning()) return;
      const timer = setTimeout(() => current.signal("SIGKILL"), STOP_GRACE_MS);
      await current.signal("SIGTERM").finally(() => clearTimeout(timer));
    },
    kill: async () => {
      await child?.signal("SIGKILL");
    },
    restart: async () => {
      if (running()) {
        throw new Error(`nats-server on port ${port} is still running: stop() or kill() it first`);
      }
      child = await launch(argsFor(port), port, timeoutMs);
    },
    cleanup: async () => {
      await handle.stop();
      rmSync(storeDir, { recursive: true, force: true });
      await home.cleanup();
    },
  };
  return handle;
}

async function launch(cmd: string[], port: number, timeoutMs: number): Promise<ChildProcess> {
  let ready = false;
  const child = spawnChild({
    cmd,
    onLine: (line) => {
      if (line.includes("Server is ready")) ready = true;
    },
  });
  let exitCode: number | undefined;
  void child.exited.then((code) => {
    exitCode = code;
  });
  const fail = async (reason: string) => {
    await child.signal("SIGKILL");
    const tail = child.logs().slice(-30).join("\n");
    return new Error(
      `nats-server failed to start on 127.0.0.1:${port}: ${reason}\ncommand: ${cmd.join(" ")}\n--- server log (last lines) ---\n${tail}`,
    );
  };
  try {
    await waitUntil(
      async () => {
        if (exitCode !== undefined) return true;
        return ready && (await acceptsConnections(port));
      },
      { timeoutMs, intervalMs: 25, message: `nats-server on port ${port} to be ready` },
    );
  } catch {
    throw await fail(`not ready after ${timeoutMs} ms`);
  }
  if (exitCode !== undefined) throw await fail(`exited with code ${exitCode}`);
  return child;
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
