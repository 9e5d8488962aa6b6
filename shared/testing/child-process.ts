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

/**
 * Spawns `cmd` with stdin closed and stdout/stderr captured line by line into a bounded ring.
 * Every child still running when the test process exits is SIGKILLed, so a crashed test
 * leaves no server behind. Throws (ENOENT) if the executable does not exist.
 */
export function spawnChild({ cmd, env, cwd, maxLines = 1000, onLine }: SpawnChildOptions): ChildProcess {
  installExitHook();
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > maxLines) lines.shift();
    onLine?.(line);
  };
  const proc = Bun.spawn(cmd, { env, cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
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

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
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

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const proc of live) proc.kill("SIGKILL");
  });
}
