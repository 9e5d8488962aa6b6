import type { JetStreamClient } from "@nats-io/jetstream";
import { publishDeadLetter } from "../consumers/dead-letter.ts";
import type { Logger } from "../log/logger.ts";
import type { ServiceMetrics } from "../metrics/metrics.ts";
import type { ProjectionTracker } from "./projection-status.ts";
import type { GivenUp, SettleContext } from "./settle-batch.ts";

export interface FailureHooksDeps {
  js: JetStreamClient;
  name: string;
  stream: string;
  metrics: ServiceMetrics;
  logger: Logger;
  tracker: ProjectionTracker;
  /** Called once the projection halted, with the reason. */
  onHalt(reason: string): void;
}

/** The settle steps' reporting, plus halting (which the projection does once a batch settled). */
export type FailureHooks = Pick<SettleContext<Record<string, unknown>>, "deadLetter" | "failed"> & {
  halt(givenUp: GivenUp): void;
};

/** `sequence 12 order.placed <id> on orders.<id>`: enough to find the event. */
export const describeGivenUp = ({ selected }: Pick<GivenUp, "selected">) => {
  const { message } = selected;
  const event = selected.kind === "apply" ? ` ${selected.event.type} ${selected.event.id}` : "";
  return `sequence ${message.seq}${event} on ${message.subject}`;
};

/**
 * What a projection does and says when a step fails, for settleBatch:
 * - `failed`: counts `messages_failed_total`, marks the tracker failing (stalled if it lasts),
 *   logs a warning.
 * - `deadLetter`: stores the dead letter (throws when it cannot), counts
 *   `messages_dead_lettered_total`, logs a warning.
 * - `halt`: marks the tracker halted, sets `projection_halted` to 1, logs an error, calls `onHalt`.
 */
export function createFailureHooks({
  js,
  name,
  stream,
  metrics,
  logger,
  tracker,
  onHalt,
}: FailureHooksDeps): FailureHooks {
  metrics.projectionHalted.set({ projection: name }, 0);
  return {
    async deadLetter(givenUp) {
      const { message } = givenUp.selected;
      const { reason, code, attempts } = givenUp;
      await publishDeadLetter(js, message, {
        stream,
        consumer: name,
        reason,
        code,
        deliveries: attempts,
      });
      metrics.deadLettered.inc({ consumer: name, code });
      logger.warn(
        { sequence: message.seq, code, reason },
        `dead-lettered ${describeGivenUp(givenUp)} and moved on`,
      );
    },
    halt(givenUp) {
      const reason = `${describeGivenUp(givenUp)}: ${givenUp.reason}`;
      tracker.halt(reason);
      metrics.projectionHalted.set({ projection: name }, 1);
      logger.error(
        { sequence: givenUp.selected.message.seq, code: givenUp.code, reason },
        "projection halted",
      );
      onHalt(reason);
    },
    failed(err, code, attempt, selected) {
      const type = selected?.kind === "apply" ? selected.event.type : "batch";
      metrics.failed.inc({ consumer: name, type, code });
      const text = err instanceof Error ? err.message : String(err);
      const at = selected ? ` at sequence ${selected.message.seq}` : "";
      tracker.failing(`${code}${at}: ${text}`);
      logger.warn(
        { err, code, attempt, sequence: selected?.message.seq },
        "projection step failed; retrying",
      );
    },
  };
}
