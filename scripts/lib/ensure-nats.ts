import { mkdirSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { join } from "node:path";
import { findNatsServer, isAtLeast, natsVersions, parseVersion } from "@shop/shared/testing";
import { ROOT } from "./services.ts";

/** Where dev starts its own server when the one at NATS_URL is too old. */
const FALLBACK_URL = "nats://127.0.0.1:4223";

type Probe = { answers: false } | { answers: true; version: string | undefined };

/** Connects over TCP and reads the server's INFO line, which names its version. */
function probe(url: string, timeoutMs = 1_000): Promise<Probe> {
  const { hostname, port } = new URL(url.replace(/^nats:/, "http:"));
  return new Promise((resolve) => {
    const socket = connectTcp({ host: hostname, port: Number(port || 4222) });
    let text = "";
    const done = (result: Probe) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      done(text ? { answers: true, version: undefined } : { answers: false }),
    );
    socket.once("error", () => done({ answers: false }));
    socket.on("data", (chunk) => {
      text += chunk.toString();
      const line = text.split("\r\n")[0] ?? "";
      if (!line.startsWith("INFO ")) return;
      try {
        const info = JSON.parse(line.slice(5)) as { version?: string };
        done({ answers: true, version: info.version && parseVersion(info.version) });
      } catch {
        if (text.includes("\r\n")) done({ answers: true, version: undefined });
      }
    });
  });
}

/** Why dev cannot run against NATS; the message says what to do. */
export class NatsUnusable extends Error {}

export interface DevNats {
  url: string;
  /** Stops the server dev started; a no-op when it used one already running. */
  stop(): Promise<void>;
}

/**
 * The NATS that `dev` and `start` run against. Uses the server at `url` when it answers and is
 * at least the minimum version. When it is older (say Debian's 2.9 on 4222) it says so in one
 * line and, unless NATS_URL was set explicitly (then it exits), runs the pinned server on
 * 127.0.0.1:4223 instead. When nothing answers it starts the pinned server at `url`'s port.
 * Its store is data/nats (git-ignored). Throws NatsUnusable, saying what to do, when it cannot
 * (an old server at an explicit NATS_URL, no binary, a server that does not start).
 */
export async function ensureNats(
  url: string,
  {
    explicit,
    fallbackUrl = FALLBACK_URL,
    dataDir = join(ROOT, "data"),
  }: { explicit: boolean; fallbackUrl?: string; dataDir?: string },
): Promise<DevNats> {
  const { serverMinimum, server: pinned } = natsVersions();
  const found = await probe(url);
  if (found.answers && found.version && isAtLeast(found.version, serverMinimum)) {
    console.log(`using nats-server ${found.version} at ${url}`);
    return { url, stop: async () => undefined };
  }
  let target = url;
  if (found.answers) {
    const line =
      `NATS at ${url} is nats-server ${found.version ?? "of unknown version"}; this project needs ${serverMinimum} or newer (pinned ${pinned}): ` +
      (explicit
        ? "point NATS_URL at a current server, or unset it to let dev start the pinned one (npm run nats:install)."
        : `starting the pinned server on ${fallbackUrl} instead.`);
    if (explicit) throw new NatsUnusable(line);
    console.error(line);
    target = fallbackUrl;
    const fallback = await probe(target);
    if (fallback.answers && fallback.version && isAtLeast(fallback.version, serverMinimum)) {
      console.log(`using nats-server ${fallback.version} at ${target}`);
      return { url: target, stop: async () => undefined };
    }
    if (fallback.answers)
      throw new NatsUnusable(
        `${target} is taken by nats-server ${fallback.version ?? "?"} too; stop it or set NATS_URL.`,
      );
  }
  return startLocalServer(target, dataDir);
}

async function startLocalServer(url: string, dataDir: string): Promise<DevNats> {
  let binary: { path: string; version: string };
  try {
    binary = findNatsServer();
  } catch (err) {
    throw new NatsUnusable(`No NATS answers at ${url}, and ${(err as Error).message}`);
  }
  const { hostname, port } = new URL(url.replace(/^nats:/, "http:"));
  const storeDir = join(dataDir, "nats");
  mkdirSync(storeDir, { recursive: true });
  const logFile = join(dataDir, "nats-server.log");
  console.log(
    `starting nats-server ${binary.version} (${binary.path}) on ${url}; store ${storeDir}, log ${logFile}`,
  );
  const server = Bun.spawn(
    [
      binary.path,
      "-js",
      "-a",
      hostname,
      "-p",
      String(port || 4222),
      "-sd",
      storeDir,
      "-l",
      logFile,
    ],
    { stdout: "ignore", stderr: "inherit" },
  );
  const deadline = Date.now() + 10_000;
  while (!(await probe(url)).answers) {
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill("SIGKILL");
      throw new NatsUnusable(
        `nats-server did not start (exit code ${server.exitCode}); see ${logFile}.`,
      );
    }
    await Bun.sleep(100);
  }
  return {
    url,
    stop: async () => {
      server.kill("SIGTERM");
      await server.exited;
    },
  };
}
