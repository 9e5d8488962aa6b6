import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { isAtLeast, MINIMUM_NATS_SERVER } from "../kit/nats/server-version.ts";

export { isAtLeast };

const ROOT = resolve(import.meta.dir, "../..");

/** The NATS versions this project is pinned to: package.json `config`, the one place they are spelled. */
export interface NatsVersions {
  /** The nats-server that CI installs and tests, dev and compose run. */
  server: string;
  /** The oldest server the kit works with (the kit's MINIMUM_NATS_SERVER). */
  serverMinimum: string;
  /** The `nats` CLI (natscli); v0.5.1 is known bad. */
  cli: string;
}

export function natsVersions(): NatsVersions {
  const { config } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    config: { natsServer: string; natsCli: string };
  };
  return {
    server: config.natsServer,
    serverMinimum: MINIMUM_NATS_SERVER,
    cli: config.natsCli,
  };
}

/** Where `npm run nats:install` (scripts/install-nats.sh) puts the pinned binaries. */
export const TOOLS_BIN = join(ROOT, ".tools", "bin");

/** `"2.15.2"` from `nats-server: v2.15.2`, `v0.5.0`, `2.12.0-RC.1`...; undefined when there is none. */
export function parseVersion(text: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(text)?.[1];
}

/** How to get the pinned server, for messages that find none (or only an old one). */
export function natsServerInstallHint(): string {
  const { server } = natsVersions();
  return [
    `Get nats-server ${server} (or any ${natsVersions().serverMinimum}+) one of these ways:`,
    "  npm run nats:install     # go install of the pinned server and CLI into .tools/bin",
    `  go install github.com/nats-io/nats-server/v2@v${server}`,
    "  brew install nats-server",
    "  release binary: https://github.com/nats-io/nats-server/releases",
    `  container:      docker run -p 4222:4222 nats:${server} -js`,
    "or point NATS_SERVER_BIN at the binary.",
  ].join("\n");
}

export interface FoundBinary {
  path: string;
  version: string;
}

function versionOf(path: string): string | undefined {
  try {
    const result = Bun.spawnSync([path, "--version"], { stdout: "pipe", stderr: "pipe" });
    return parseVersion(`${result.stdout.toString()} ${result.stderr.toString()}`);
  } catch {
    return undefined;
  }
}

function candidates(name: string, envVar: string): string[] {
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? [fromEnv] : [];
  return [
    join(TOOLS_BIN, name),
    Bun.which(name),
    join(process.env.GOBIN ?? join(process.env.GOPATH ?? join(homedir(), "go"), "bin"), name),
    `/usr/local/bin/${name}`,
    `/usr/sbin/${name}`,
  ].filter((path, i, all): path is string => !!path && existsSync(path) && all.indexOf(path) === i);
}

function find(name: string, envVar: string, minimum: string): FoundBinary {
  const seen: FoundBinary[] = [];
  for (const path of candidates(name, envVar)) {
    const version = versionOf(path) ?? "unknown";
    if (version !== "unknown" && isAtLeast(version, minimum)) return { path, version };
    seen.push({ path, version });
  }
  const found =
    seen.length === 0
      ? `no ${name} binary found${process.env[envVar] ? ` (${envVar}=${process.env[envVar]})` : ""}`
      : `found only ${seen.map((b) => `${b.path} (${b.version})`).join(", ")}`;
  throw new Error(`${name} ${minimum} or newer is needed: ${found}.`);
}

/**
 * The nats-server to run: NATS_SERVER_BIN if set, else the first of .tools/bin, PATH,
 * $GOBIN or ~/go/bin, /usr/local/bin, /usr/sbin that reports at least the minimum version.
 * Throws a message naming what was found, what is needed and how to get it.
 */
export function findNatsServer(): FoundBinary {
  try {
    return find("nats-server", "NATS_SERVER_BIN", natsVersions().serverMinimum);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${natsServerInstallHint()}`);
  }
}

/** The `nats` CLI at the pinned version or newer (NATS_CLI_BIN, then as for the server). */
export function findNatsCli(): FoundBinary {
  const { cli } = natsVersions();
  try {
    return find("nats", "NATS_CLI_BIN", cli);
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\nInstall it with \`npm run nats:install\` or \`go install github.com/nats-io/natscli/nats@v${cli}\`.`,
    );
  }
}
