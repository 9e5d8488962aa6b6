import { readFileSync } from "node:fs";
import { type ChildProcess, spawnChild, waitFor } from "@shop/shared/testing";

export interface ReadmeCommand {
  /** The command as written, `\` line continuations and multi-line quotes included. */
  text: string;
  /** Its trailing `# ...` comment, which says how it behaves. */
  comment: string;
}

export const isLive = (c: ReadmeCommand) => c.comment.includes("until Ctrl-C");
export const needsTerminal = (c: ReadmeCommand) => c.comment.includes("needs a terminal");

/** The command lines of the `sh` blocks in the README section under `heading`, in order. */
function readSectionCommands(readmePath: string, heading: string): ReadmeCommand[] {
  const markdown = readFileSync(readmePath, "utf8");
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`${readmePath} has no section "${heading}"`);
  const rest = markdown.slice(start + heading.length + 2);
  // The next heading ends the section (a shell comment in a block starts with a single #).
  const next = rest.search(/^#{2,3} /m);
  const section = next < 0 ? rest : rest.slice(0, next);
  const blocks = [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
  return blocks.flatMap(splitShellLines);
}

/** Splits shell text into commands: a newline ends one unless it is escaped or inside quotes. */
function splitShellLines(block: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let text = "";
  let comment: string | undefined;
  let quote: string | undefined;
  const end = () => {
    if (text.trim() !== "") commands.push({ text: text.trim(), comment: comment?.trim() ?? "" });
    text = "";
    comment = undefined;
  };
  for (let i = 0; i < block.length; i++) {
    const c = block[i] as string;
    if (comment !== undefined) {
      if (c === "\n") end();
      else comment += c;
    } else if (quote !== undefined) {
      text += c;
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      text += c;
    } else if (c === "\\" && block[i + 1] === "\n") {
      text += "\\\n";
      i += 1;
    } else if (c === "#" && (text === "" || /\s$/.test(text))) {
      comment = "";
    } else if (c === "\n") {
      end();
    } else {
      text += c;
    }
  }
  end();
  return commands;
}

/**
 * The section's commands, each handed out once to the step that runs it. A step names the
 * command it wants by a pattern that must match exactly one command not yet run.
 */
export function claimableCommands(readmePath: string, heading: string) {
  const all = readSectionCommands(readmePath, heading);
  const unclaimed = new Set(all);
  return {
    all,
    take(pattern: RegExp): ReadmeCommand {
      const matches = [...unclaimed].filter((c) => pattern.test(c.text));
      if (matches.length !== 1) {
        throw new Error(
          `expected one README command matching ${pattern}, found ${matches.length} among:\n` +
            [...unclaimed].map((c) => `  ${c.text}`).join("\n"),
        );
      }
      const [command] = matches as [ReadmeCommand];
      unclaimed.delete(command);
      return command;
    },
    takeAll(predicate: (c: ReadmeCommand) => boolean): ReadmeCommand[] {
      const taken = [...unclaimed].filter(predicate);
      for (const c of taken) unclaimed.delete(c);
      return taken;
    },
    unclaimed: () => [...unclaimed],
  };
}

export const COMMAND_TIMEOUT_MS = 20_000;

type Env = Record<string, string | undefined>;

/** Runs README commands through bash with the environment `env()` gives (NATS_URL, PATH). */
export function createCommandRunner(env: () => Env) {
  /** Runs a command through bash and returns its exit code and output (stdout and stderr). */
  async function run(command: ReadmeCommand): Promise<{ code: number; output: string }> {
    if (isLive(command) || needsTerminal(command))
      throw new Error(`not a command that prints and exits: ${command.text}`);
    const child = spawnChild({ cmd: ["bash", "-c", command.text], env: env(), maxLines: 100_000 });
    const code = await exitWithin(child, command.text);
    return { code, output: child.logs().join("\n") };
  }

  async function exitWithin(child: ChildProcess, what: string): Promise<number> {
    const timeout = Bun.sleep(COMMAND_TIMEOUT_MS).then(() => "timeout" as const);
    const code = await Promise.race([child.exited, timeout]);
    if (code === "timeout") {
      await child.signal("SIGKILL");
      throw new Error(
        `\`${what}\` still running after ${COMMAND_TIMEOUT_MS} ms:\n${child.logs().join("\n")}`,
      );
    }
    return code;
  }

  /** Runs a command that "needs a terminal" in a pseudo-terminal, answering its prompts with yes. */
  async function runInTerminal(command: ReadmeCommand): Promise<{ code: number; output: string }> {
    if (!needsTerminal(command)) throw new Error(`not a terminal command: ${command.text}`);
    const decoder = new TextDecoder();
    let raw = "";
    let cursorQueries = 0;
    let prompts = 0;
    let lastOutputAt = Date.now();
    const proc = Bun.spawn(["bash", "-c", command.text], {
      env: env(),
      terminal: {
        cols: 200,
        rows: 50,
        data(terminal, chunk) {
          raw += decoder.decode(chunk, { stream: true });
          lastOutputAt = Date.now();
          // The prompt library asks for the cursor position (ESC[6n) and waits for the answer.
          for (const n = raw.split("\x1b[6n").length - 1; cursorQueries < n; cursorQueries++)
            terminal.write("\x1b[50;1R");
          for (const n = raw.split("(Y/n)").length - 1; prompts < n; prompts++)
            terminal.write("y\r");
        },
      },
    });
    const timeout = Bun.sleep(COMMAND_TIMEOUT_MS).then(() => "timeout" as const);
    const code = await Promise.race([proc.exited, timeout]);
    if (code === "timeout") {
      proc.kill("SIGKILL");
      throw new Error(`\`${command.text}\` still running after ${COMMAND_TIMEOUT_MS} ms:\n${raw}`);
    }
    // The terminal's last output can arrive just after the exit: wait until it is quiet.
    await waitFor(() => (Date.now() - lastOutputAt > 250 ? true : undefined), {
      message: `\`${command.text}\`'s terminal to go quiet`,
    });
    proc.terminal?.close();
    const output = Bun.stripANSI(raw).replace(/\r/g, "");
    return { code, output };
  }

  /** Starts a live command ("until Ctrl-C") in the background and waits until it subscribed. */
  async function startLive(command: ReadmeCommand) {
    if (!isLive(command)) throw new Error(`not a live command: ${command.text}`);
    const child = spawnChild({
      cmd: ["bash", "-c", `exec ${command.text}`],
      env: env(),
      maxLines: 200_000,
    });
    await waitFor(
      () => (child.logs().some((l) => l.includes("Subscribing on")) ? true : undefined),
      {
        message: `\`${command.text}\` to subscribe; output: ${child.logs().join("\n")}`,
      },
    );
    return {
      command,
      output: () => child.logs().join("\n"),
      /** Ctrl-C: SIGINT, and the exit code (128 + the signal number when the signal ended it). */
      interrupt: async () => {
        child.signal("SIGINT");
        return exitWithin(child, command.text);
      },
    };
  }

  return { run, runInTerminal, startLive };
}
