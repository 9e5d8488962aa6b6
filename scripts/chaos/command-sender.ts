import type { ServiceName } from "../../tests/e2e/shop-harness.ts";
import type { ChaosContext } from "./chaos-context.ts";
import { auditAnswer, type HttpAnswer, isAnswer, send } from "./http-client.ts";

export interface Command {
  service: ServiceName;
  method: string;
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  /** Names the request ids (`<label>.<attempt>`), so a stored event leads back to its request. */
  label: string;
}

export interface RetryPolicy {
  /** Resend on no answer and on 503, as a careful client does (only safe with an idempotency key). */
  retry: boolean;
  /** 422 codes that mean "not yet" (a read model still catching up): resent too. */
  notYetCodes?: readonly string[];
  /** Give up after this long. Default 60 s. */
  deadlineMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a command as a client would, auditing every answer against the HTTP rules. Returns
 * the final answer, or undefined when none came in time (a retried command left unanswered
 * for the whole deadline is a violation: services are restarted within seconds).
 */
export async function sendCommand(
  ctx: ChaosContext,
  command: Command,
  policy: RetryPolicy,
): Promise<HttpAnswer | undefined> {
  const deadline = Date.now() + (policy.deadlineMs ?? 60_000);
  let last = "nothing";
  for (let attempt = 1; ; attempt++) {
    const request = {
      baseUrl: ctx.urlOf(command.service),
      method: command.method,
      path: command.path,
      body: command.body,
      requestId: `${command.label}.${attempt}`,
      headers: (command.idempotencyKey
        ? { "idempotency-key": command.idempotencyKey }
        : {}) as Record<string, string>,
      timeoutMs: 20_000,
    };
    const outcome = await send(request);
    if (isAnswer(outcome)) {
      auditAnswer(outcome, request, ctx.violations, ctx.failedCommands);
      const code = outcome.json?.code;
      const notYet =
        outcome.status === 503 ||
        (outcome.status === 422 && policy.notYetCodes?.includes(code) === true);
      if (!notYet || !policy.retry) return outcome;
      last = `${outcome.status} ${code ?? ""}`;
    } else {
      if (!policy.retry) return undefined;
      last = outcome.error;
    }
    if (Date.now() > deadline) {
      ctx.violations.add(
        "command-answered",
        `${command.method} ${command.path} (${command.label})`,
        `no final answer after ${attempt} attempts in ${policy.deadlineMs ?? 60_000} ms; last: ${last}`,
      );
      return undefined;
    }
    await sleep(Math.min(1_000, 100 * attempt) + ctx.random.int(0, 100));
  }
}
