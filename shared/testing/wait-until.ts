/** How long to keep trying, how often, and what the caller was waiting for (named in the timeout error). */
export interface WaitOptions {
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number;
  /** Completes "timed out waiting for <message>". */
  message?: string;
}

/**
 * Calls `predicate` until it returns true. A throw counts as "not yet" and is remembered.
 * When `timeoutMs` passes, throws an Error naming `message` and the last value or error
 * (also attached as `cause`).
 */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  await waitFor(async () => ((await predicate()) ? true : undefined), options);
}

/**
 * Calls `fn` until it returns something other than undefined, and returns that. A throw counts
 * as "not yet" and is remembered. When `timeoutMs` passes, throws an Error naming `message`
 * and the last error (attached as `cause`).
 */
export async function waitFor<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 50, message = "a condition" }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      const value = await fn();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await Bun.sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const last =
    lastError === undefined
      ? "no error, still not satisfied"
      : `last error: ${describe(lastError)}`;
  throw new Error(
    `timed out after ${timeoutMs} ms (${attempts} attempts) waiting for ${message}; ${last}`,
    {
      cause: lastError,
    },
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
