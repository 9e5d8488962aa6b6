import { existsSync } from "node:fs";
import type { Subprocess } from "bun";

/** A process started by the harness: its output kept as lines, its exit awaited. */
export interface ChildProcess {
  readonly pid: number;
  /** Resolves with the exit code (128 + signal number when killed by a signal) once the output is drained too. */
  readonly exited: Promise<number>;
  isRunning(): boolean;
  /** Sends `signal` and waits for the exit code; resolves at once if the process already exited. */
  signal(signal: NodeJS.Signals): Promise<number>;
  /** The last lines written to stdout and stderr, oldest first. */
  logs(): string[];
}

export interface SpawnChildOptions {
  cmd: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Lines kept in memory. Default 1000. */
  maxLines?: number;
  /** Called with every line as it arrives (readiness probes watch for a log line). */
  onLine?: (line: string) => void;
}

const live = new Set<Subprocess>();
let exitHookInstalled = false;
let setpriv: string | null | undefined;

/**
 * Spawns `cmd` with stdin closed and stdout/stderr captured line by line into a bounded ring.
 * A child does not outlive the test process: on Linux it is started through
 * `setpriv --pdeathsig KILL` (util-linux), so the kernel kills it when the runner dies, even
 * when a test forgot its cleanup (`bun test` fires no "exit" event); elsewhere an exit hook
 * kills it. Throws if the executable does not exist.
 */
export function spawnChild({
  cmd,
  env,
  cwd,
  maxLines = 1000,
  onLine,
}: SpawnChildOptions): ChildProcess {
  installExitHook();
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > maxLines) lines.shift();
    onLine?.(line);
  };
  const [executable] = cmd;
  const found = executable?.includes("/")
    ? existsSync(executable)
    : Bun.which(executable ?? "") !== null;
  if (!found) {
    throw new Error(`cannot spawn ${JSON.stringify(cmd)}: executable not found`);
  }
  const guarded = withParentDeathSignal(cmd);
  const proc = Bun.spawn(guarded, { env, cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  live.add(proc);
  const drained = Promise.all([readLines(proc.stdout, keep), readLines(proc.stderr, keep)]);
  const exited = proc.exited.then(async (code) => {
    live.delete(proc);
    await drained;
    return code;
  });
  return {
    pid: proc.pid,
    exited,
    isRunning: () => live.has(proc),
    signal: async (signal) => {
      if (live.has(proc)) proc.kill(signal);
      return exited;
    },
    logs: () => [...lines],
  };
}

async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) onLine(part);
  }
  pending += decoder.decode();
  if (pending !== "") onLine(pending);
}

/** Prefixes `setpriv --pdeathsig KILL --`, which sets the signal and then execs `cmd` in place (same pid). */
function withParentDeathSignal(cmd: string[]): string[] {
  if (setpriv === undefined) setpriv = process.platform === "linux" ? Bun.which("setpriv") : null;
  return setpriv === null ? cmd : [setpriv, "--pdeathsig", "KILL", "--", ...cmd];
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const proc of live) proc.kill("SIGKILL");
  });
}
