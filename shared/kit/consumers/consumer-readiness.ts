import type { ReadinessCheck } from "../http/create-http-app.ts";
import type { RunningConsumer } from "./durable-consumer.ts";

/**
 * The readiness check over a service's durable consumers: passing while every one is
 * making progress, otherwise failing with each problem, prefixed by its consumer's name.
 */
export function consumersReadiness(consumers: readonly RunningConsumer[]): ReadinessCheck {
  const problems = consumers.flatMap((consumer) =>
    consumer.health().problems.map((problem) => `${consumer.name}: ${problem}`),
  );
  return problems.length === 0 || { ready: false, reason: problems.join("; ") };
}
