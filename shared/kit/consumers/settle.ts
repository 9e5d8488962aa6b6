import type { JetStreamClient } from "@nats-io/jetstream";
import type { ServiceMetrics } from "../metrics/metrics.ts";
import type { HealthBoard } from "./consumer-health.ts";
import { publishDeadLetter } from "./dead-letter.ts";
import type { FailureTracker } from "./failure-tracker.ts";
import type { MessageInProcess, Outcome } from "./pipeline.ts";
import { type RetryPolicy, retryDelayMs } from "./retry-policy.ts";
import type { SubjectGate } from "./subject-gate.ts";

export interface SettleDeps {
  js: JetStreamClient;
  consumer: string;
  stream: string;
  policy: RetryPolicy;
  failures: FailureTracker;
  gate: SubjectGate;
  health: HealthBoard;
  metrics: ServiceMetrics;
  now?: () => number;
}

/** How long a reported problem outlives its last report: past its next expected recurrence. */
const problemTtl = (delayMs: number) => 2 * delayMs + 5_000;

/**
 * Applies an outcome to its message, the only place a message is settled:
 * - `ack`: acked (the effects are already committed);
 * - `retry` / `defer`: `nak(delay)`, and later messages of its aggregate wait for it;
 * - `hand-back`: `nak()` at once (the consumer is stopping; the handler never ran);
 * - `dead-letter`: the dead letter is stored, then the message is terminated. If the dead
 *   letter cannot be stored, the message is kept: nak'ed with the retry policy's growing
 *   delay (never a tight loop) and sent straight back to storing it when it returns, while
 *   the consumer reports the problem (health, `dead_letter_failures_total`, an error log)
 *   until a dead letter is stored again.
 * Never throws for a settlement the broker refuses: the message is then redelivered after
 * its ack wait, which the caller logs.
 */
export function createSettler(deps: SettleDeps) {
  const { js, consumer, stream, policy, failures, gate, health, metrics } = deps;
  const now = deps.now ?? (() => Date.now());

  function putBack(m: MessageInProcess, delayMs: number) {
    m.message.nak(delayMs);
    gate.deferred(m.key, m.message.seq, now() + delayMs);
  }

  function done(m: MessageInProcess) {
    gate.settled(m.key, m.message.seq);
    failures.forget(m.message.seq);
  }

  async function deadLetter(m: MessageInProcess, code: string, reason: string, cause?: unknown) {
    const { message } = m;
    const deliveries = message.info.deliveryCount;
    try {
      await publishDeadLetter(js, message, { stream, consumer, reason, code, deliveries });
    } catch (err) {
      const record = failures.oweDeadLetter(message.seq, { code, reason });
      const delayMs = retryDelayMs(policy, record.failures);
      metrics.deadLetterFailures.inc({ consumer });
      health.report(
        "dead-letter",
        `cannot store dead letters (stream sequence ${message.seq} is kept and retried): ${(err as Error).message}`,
        problemTtl(delayMs),
      );
      m.log.error(
        { err, code, reason, delayMs },
        "could not store the dead letter; keeping the message",
      );
      putBack(m, delayMs);
      return;
    }
    health.clear("dead-letter");
    message.term(code);
    done(m);
    metrics.deadLettered.inc({ consumer, code });
    m.log.warn({ code, reason, deliveries, err: cause }, "dead-lettered");
  }

  return async function settle(m: MessageInProcess, outcome: Outcome): Promise<void> {
    switch (outcome.kind) {
      case "ack":
        m.message.ack();
        done(m);
        if (outcome.result !== "skipped")
          metrics.handled.inc({ consumer, type: m.event?.type ?? "unknown" });
        if (outcome.result === "duplicate") m.log.debug("already handled; acknowledged again");
        return;
      case "retry":
        metrics.failed.inc({ consumer, type: outcome.failedType, code: outcome.code });
        m.log.warn({ err: outcome.cause, delayMs: outcome.delayMs }, "handler failed; will retry");
        putBack(m, outcome.delayMs);
        return;
      case "defer":
        metrics.deferred.inc({ consumer, code: outcome.code });
        if (outcome.problem) {
          health.report(outcome.code, outcome.problem, problemTtl(outcome.delayMs));
          m.log.warn({ code: outcome.code, delayMs: outcome.delayMs }, outcome.problem);
        }
        putBack(m, outcome.delayMs);
        return;
      case "hand-back":
        m.message.nak();
        return;
      case "dead-letter":
        if (outcome.failedType)
          metrics.failed.inc({ consumer, type: outcome.failedType, code: outcome.code });
        return deadLetter(m, outcome.code, outcome.reason, outcome.cause);
      default: {
        const unknown: never = outcome;
        throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
      }
    }
  };
}
