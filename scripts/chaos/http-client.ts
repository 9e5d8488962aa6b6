import type { ViolationLog } from "./violations.ts";

/** What a service answered, kept raw so the rules can judge the status, headers and body. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  retryAfter: string | null;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json: any;
}

export interface HttpRequest {
  baseUrl: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A string or bytes sent as is; an object is sent as JSON. */
  body?: unknown;
  /** Sent as `x-request-id`: events stored by the command carry it as their correlation id. */
  requestId: string;
  timeoutMs?: number;
}

/** Sends one request; resolves with the answer, or with `error` when none came (refused, reset, timeout). */
export async function send(request: HttpRequest): Promise<HttpAnswer | { error: string }> {
  const headers: Record<string, string> = { "x-request-id": request.requestId, ...request.headers };
  let body: string | Uint8Array | undefined;
  if (typeof request.body === "string" || request.body instanceof Uint8Array) {
    body = request.body;
  } else if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers["content-type"] ??= "application/json";
  }
  try {
    const response = await fetch(`${request.baseUrl}${request.path}`, {
      method: request.method,
      headers,
      body,
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      retryAfter: response.headers.get("retry-after"),
      text,
      json,
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export const isAnswer = (outcome: HttpAnswer | { error: string }): outcome is HttpAnswer =>
  "status" in outcome;

/** A command answered 5xx: if its effect was stored after all, a client retrying it doubles it. */
export interface FailedCommand {
  requestId: string;
  what: string;
  status: number;
  code: string | undefined;
}

/**
 * The rules every answer obeys: no 5xx but a 503 with `Retry-After`, and every error
 * (4xx, 5xx) is `application/problem+json`. Breaks are added to `violations`; a 5xx to a
 * state-changing method is remembered in `failedCommands` for the stored-effect check.
 */
export function auditAnswer(
  answer: HttpAnswer,
  request: Pick<HttpRequest, "method" | "path" | "requestId">,
  violations: ViolationLog,
  failedCommands: FailedCommand[],
): void {
  const what = `${request.method} ${request.path.slice(0, 200)} (x-request-id ${request.requestId})`;
  const code = typeof answer.json?.code === "string" ? answer.json.code : undefined;
  if (answer.status >= 500) {
    if (answer.status !== 503 || !answer.retryAfter) {
      violations.add(
        "http-no-5xx",
        what,
        `answered ${answer.status} (retry-after ${answer.retryAfter ?? "absent"}): ${answer.text.slice(0, 300)}`,
      );
    }
    if (request.method !== "GET" && request.method !== "HEAD")
      failedCommands.push({ requestId: request.requestId, what, status: answer.status, code });
  }
  if (answer.status >= 400 && !answer.contentType.startsWith("application/problem+json")) {
    violations.add(
      "http-problem-json",
      what,
      `answered ${answer.status} as ${JSON.stringify(answer.contentType)}: ${answer.text.slice(0, 200)}`,
    );
  }
}
