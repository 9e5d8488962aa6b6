import { type ChildProcess, spawnChild } from "./child-process";
import { waitUntil } from "./wait-until";

export interface ServiceProcessOptions {
  /** Used in error messages. */
  name: string;
  /** Path to the service's `main.ts`. */
  entry: string;
  /** Merged over process.env; the service's own port/broker/database settings go here. */
  env: Record<string, string>;
  /** The HTTP port the service listens on (the caller also passes it in `env`). */
  port: number;
  /** Default "/health/ready". */
  readyPath?: string;
  /** Deadline for the ready probe to answer 200. Default 15 000 ms. */
  timeoutMs?: number;
}

/** A service running as its own `bun` process, as in production. */
export interface ServiceProcessHandle {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The current process id (changes on restart). */
  readonly pid: number;
  isRunning(): boolean;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code (128 + signal number if the signal killed it); SIGKILL after 10 s. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  /** SIGKILL and wait for the exit: a crash. */
  kill(): Promise<void>;
  /** Stops the process if it is running (SIGTERM), starts it again with the same env and waits until ready. */
  restart(): Promise<void>;
  /** The last 1000 lines of stdout and stderr, oldest first; print them when a test fails. */
  logs(): string[];
}

const STOP_GRACE_MS = 10_000;

/**
 * Spawns `bun <entry>` (the running bun binary) with `env` over process.env, and resolves once
 * `GET http://127.0.0.1:<port><readyPath>` answers 200. Rejects with the last 50 log lines if the
 * process exits first or the deadline passes (the process is then killed).
 */
export async function startServiceProcess(
  options: ServiceProcessOptions,
): Promise<ServiceProcessHandle> {
  const { port } = options;
  const url = `http://127.0.0.1:${port}`;
  let child = await launch(options, url);
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const current = child;
    const timer = setTimeout(() => current.signal("SIGKILL"), STOP_GRACE_MS);
    return current.signal(signal).finally(() => clearTimeout(timer));
  };
  return {
    url,
    get pid() {
      return child.pid;
    },
    isRunning: () => child.isRunning(),
    stop,
    kill: async () => {
      await child.signal("SIGKILL");
    },
    restart: async () => {
      await stop();
      child = await launch(options, url);
    },
    logs: () => child.logs(),
  };
}

async function launch(options: ServiceProcessOptions, url: string): Promise<ChildProcess> {
  const { name, entry, env, readyPath = "/health/ready", timeoutMs = 15_000 } = options;
  const bun = process.versions.bun === undefined ? "bun" : process.execPath;
  const child = spawnChild({ cmd: [bun, entry], env: { ...process.env, ...env } });
  let exitCode: number | undefined;
  void child.exited.then((code) => {
    exitCode = code;
  });
  const fail = async (reason: string) => {
    await child.signal("SIGKILL");
    const tail = child.logs().slice(-50).join("\n");
    return new Error(`service ${name} (${entry}) ${reason}\n--- last log lines ---\n${tail}`);
  };
  try {
    await waitUntil(async () => exitCode !== undefined || (await isReady(`${url}${readyPath}`)), {
      timeoutMs,
      intervalMs: 50,
      message: `${name} to answer 200 on ${readyPath}`,
    });
  } catch {
    throw await fail(`was not ready on ${url}${readyPath} after ${timeoutMs} ms`);
  }
  if (exitCode !== undefined) throw await fail(`exited with code ${exitCode} before it was ready`);
  return child;
}

async function isReady(probeUrl: string): Promise<boolean> {
  try {
    const response = await fetch(probeUrl, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}
