import { isUnavailable } from "../errors/app-error.ts";
import type { RunningProjection } from "../projections/projection.ts";

/**
 * Waits, up to `timeoutMs` (the projection's default when omitted), for a read model to
 * apply a write that is already stored at `sequence`. Resolves true once it has, false if it
 * is still behind. Never rejects for lag: the write is stored either way, so a route answers
 * 202 Accepted with the resource's `Location` rather than a 503 that invites a second write.
 * Other failures are rethrown.
 */
export async function waitUntilVisible(
  projection: Pick<RunningProjection, "waitFor">,
  sequence: number,
  timeoutMs?: number,
): Promise<boolean> {
  try {
    await projection.waitFor(sequence, timeoutMs);
    return true;
  } catch (err) {
    if (isUnavailable(err)) return false;
    throw err;
  }
}
