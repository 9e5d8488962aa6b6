/**
 * The one test command (`npm test`): runs `bun test` over the repository with a per-test timeout
 * long enough for tests that start nats-server and service processes, streams its output, and
 * prints as the last line `N passed, N failed`. Extra arguments go to `bun test`
 * (`npm test -- shared/testing`, `npm test -- -t "ships"`).
 *
 * Exits with bun test's exit code. A run that reports no test, or that fails without a failing
 * test (a file that does not load, a crash), counts as one failure and exits non-zero. Skipped
 * and todo tests are printed and fail the run: nothing may pass by not running.
 */
import { resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const args = ["test", "--timeout", "60000", ...process.argv.slice(2)];
const env = process.stderr.isTTY ? { ...process.env, FORCE_COLOR: "1" } : process.env;

const child = Bun.spawn([process.execPath, ...args], {
  cwd: root,
  env,
  stdin: "ignore",
  stdout: "inherit",
  stderr: "pipe",
});

// bun test writes its report, summary included, to stderr: relay it and keep the tail to parse.
const TAIL_CHARS = 64 * 1024;
let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stderr) {
  process.stderr.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-TAIL_CHARS);
}
const bunExitCode = await child.exited;

const summary = stripAnsi(tail);
const passed = countOf(summary, "pass");
let failed = countOf(summary, "fail");
const notRun = countOf(summary, "skip") + countOf(summary, "todo");
let exitCode = bunExitCode;
if (exitCode !== 0 && failed === 0) failed = 1;
if (notRun > 0) {
  console.error(`${notRun} test(s) skipped or todo: every test must run`);
  failed += notRun;
  exitCode = exitCode || 1;
}
if (passed + failed === 0) {
  failed = 1;
  exitCode = exitCode || 1;
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);

/** Reads a summary line such as ` 12 pass` or ` 1 fail`; 0 when bun did not print it. */
function countOf(text: string, word: "pass" | "fail" | "skip" | "todo"): number {
  const matches = [...text.matchAll(new RegExp(`^\\s*(\\d+) ${word}$`, "gm"))];
  const last = matches.at(-1);
  return last === undefined ? 0 : Number(last[1]);
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC.
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
