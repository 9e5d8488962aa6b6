import type { ServiceName } from "../../tests/e2e/shop-harness.ts";
import type { ChaosContext } from "./chaos-context.ts";
import { auditAnswer, type HttpAnswer, isAnswer, send } from "./http-client.ts";
import { fuzzRequest } from "./http-fuzz-cases.ts";
import { type FuzzTargets, replayRequest } from "./http-fuzz-routes.ts";

/** What the HTTP fuzzer sent and got. */
export interface HttpFuzzFigures {
  sent: number;
  answered: number;
  /** Sent but never answered (the service was down for a fault): resent up to 5 times first. */
  unanswered: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  ordersAccepted: number;
  idempotencyPairs: number;
}

const CONCURRENCY = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends `options.httpFuzz` fuzz requests to every endpoint (see http-fuzz-cases.ts), paced on
 * the load's progress. Every answer must obey the HTTP rules (no 5xx but a 503 with
 * Retry-After, errors as problem+json). An order it gets accepted joins the orders that must
 * settle. Every twentieth request is an Idempotency-Key replay: the same POST /orders twice must name the
 * same order.
 */
export async function runHttpFuzz(
  ctx: ChaosContext,
  targets: FuzzTargets,
): Promise<HttpFuzzFigures> {
  const random = ctx.random.fork("http-fuzz");
  const total = ctx.options.httpFuzz;
  const figures: HttpFuzzFigures = {
    sent: 0,
    answered: 0,
    unanswered: 0,
    byStatus: {},
    byKind: {},
    ordersAccepted: 0,
    idempotencyPairs: 0,
  };
  const baseUrl = (service: ServiceName | "card-gateway") =>
    service === "card-gateway" ? (ctx.chaos.gatewayUrl as string) : ctx.urlOf(service);

  async function exchange(n: number, suffix = ""): Promise<HttpAnswer | undefined> {
    const request = fuzzRequest(targets, random);
    return deliver(n, request, suffix);
  }

  async function deliver(n: number, request: ReturnType<typeof fuzzRequest>, suffix: string) {
    figures.sent += 1;
    figures.byKind[request.kind] = (figures.byKind[request.kind] ?? 0) + 1;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const sent = {
        baseUrl: baseUrl(request.service),
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body,
        requestId: `fz-${n}${suffix}-${attempt}`,
        timeoutMs: 20_000,
      };
      const outcome = await send(sent);
      if (!isAnswer(outcome)) {
        await sleep(300);
        continue;
      }
      figures.answered += 1;
      const status =
        outcome.status >= 500 ? `${outcome.status} ${outcome.json?.code ?? "?"}` : outcome.status;
      figures.byStatus[status] = (figures.byStatus[status] ?? 0) + 1;
      auditAnswer(outcome, sent, ctx.violations, ctx.failedCommands);
      if (request.method === "POST" && request.path === "/orders" && outcome.status === 202) {
        figures.ordersAccepted += 1;
        const body = JSON.parse(typeof request.body === "string" ? request.body : "{}");
        if (!ctx.accepted.has(outcome.json.orderId))
          ctx.accepted.set(outcome.json.orderId, {
            orderId: outcome.json.orderId,
            intent: "fuzz",
            userId: body.userId,
            totalCents: outcome.json.totalCents,
            acceptedAt: Date.now(),
          });
      }
      return outcome;
    }
    figures.unanswered += 1;
    return undefined;
  }

  async function replayPair(n: number) {
    const request = replayRequest(targets, random);
    figures.idempotencyPairs += 1;
    const a = await deliver(n, request, "a");
    const b = await deliver(n, request, "b");
    const idOf = (answer: HttpAnswer | undefined) => answer?.json?.orderId ?? answer?.json?.id;
    const ok = (answer: HttpAnswer | undefined) => answer !== undefined && answer.status < 300;
    if (ok(a) && ok(b) && idOf(a) !== idOf(b))
      ctx.violations.add(
        "idempotency-replay",
        `${request.path} key ${request.headers["idempotency-key"]}`,
        `the same request twice answered ${a?.status} ${idOf(a)} and ${b?.status} ${idOf(b)}`,
      );
  }

  let next = 0;
  const worker = async () => {
    for (let n = next++; n < total; n = next++) {
      await ctx.progress.reach(n / total);
      if (n % 20 === 0) await replayPair(n);
      else await exchange(n);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return figures;
}
