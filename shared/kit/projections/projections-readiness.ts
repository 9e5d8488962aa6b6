import type { ReadinessCheck } from "../http/create-http-app.ts";
import type { RunningProjection } from "./projection-definition.ts";

/**
 * The readiness check over a service's projections: passing once every one is caught up and
 * neither halted, stalled nor behind its lag bound; otherwise failing with each one's reason,
 * prefixed by its name (`products: halted: sequence 12 ...`).
 */
export function projectionsReadiness(projections: readonly RunningProjection[]): ReadinessCheck {
  const problems = projections.flatMap((projection) => {
    const status = projection.status();
    return status.ready ? [] : [`${projection.name}: ${status.reason ?? status.state}`];
  });
  return problems.length === 0 || { ready: false, reason: problems.join("; ") };
}
