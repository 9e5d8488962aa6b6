import { registerProcessMetrics } from "./process-metrics.ts";
import { Counter, Gauge, Histogram, Registry } from "./prom-client.ts";

/** Prometheus metrics every service exposes at `/metrics`. One registry per service instance. */
export interface ServiceMetrics {
  registry: Registry;
  handled: Counter<"consumer" | "type">;
  failed: Counter<"consumer" | "type" | "code">;
  deadLettered: Counter<"consumer" | "code">;
  /** Dead letters a consumer could not store (each attempt counts); the message is kept and retried. */
  deadLetterFailures: Counter<"consumer">;
  /** Messages put back to wait without failing: an unknown event version, an earlier message of the subject retrying. */
  deferred: Counter<"consumer" | "code">;
  handlerDuration: Histogram<"consumer">;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route">;
  /** 1 while a projection is halted on an event it could not apply (its policy is "halt"), else 0. */
  projectionHalted: Gauge<"projection">;
  /** Registers a function reporting how many messages a consumer or projection still has to process. */
  trackLag(name: string, read: () => number | Promise<number>): void;
}

const LAG_READ_TIMEOUT_MS = 500;

function withTimeout<T>(value: T | Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(value), timeout]).finally(() => clearTimeout(timer));
}

/**
 * A service's registry with the kit's metrics, every series labelled with `service`. `defaults`
 * (true unless told otherwise) adds the process metrics (see registerProcessMetrics).
 */
export function createMetrics({
  service,
  defaults = true,
}: {
  service: string;
  defaults?: boolean;
}): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  const registers = [registry];
  if (defaults) registerProcessMetrics(registers);
  const lagSources = new Map<string, () => number | Promise<number>>();
  new Gauge({
    name: "consumer_lag_messages",
    help: "Messages stored but not yet processed, per durable consumer or projection.",
    labelNames: ["consumer"],
    registers,
    async collect() {
      // In parallel and bounded: while the broker is down each read would wait out a request timeout.
      await Promise.all(
        [...lagSources].map(async ([name, read]) => {
          try {
            this.set({ consumer: name }, await withTimeout(read(), LAG_READ_TIMEOUT_MS));
          } catch {
            // The broker is unreachable: report no value rather than a stale one.
            this.remove({ consumer: name });
          }
        }),
      );
    },
  });
  return {
    registry,
    handled: new Counter({
      name: "messages_handled_total",
      help: "Messages handled and acknowledged.",
      labelNames: ["consumer", "type"],
      registers,
    }),
    failed: new Counter({
      name: "messages_failed_total",
      help: "Handler failures (each retry counts).",
      labelNames: ["consumer", "type", "code"],
      registers,
    }),
    deadLettered: new Counter({
      name: "messages_dead_lettered_total",
      help: "Messages moved to the dead-letter stream.",
      labelNames: ["consumer", "code"],
      registers,
    }),
    deadLetterFailures: new Counter({
      name: "dead_letter_failures_total",
      help: "Attempts to store a dead letter that failed; the message is kept and retried.",
      labelNames: ["consumer"],
      registers,
    }),
    deferred: new Counter({
      name: "messages_deferred_total",
      help: "Messages put back to wait without failing (unknown event version, subject order).",
      labelNames: ["consumer", "code"],
      registers,
    }),
    handlerDuration: new Histogram({
      name: "message_handler_duration_seconds",
      help: "Time to handle one message, settle included.",
      labelNames: ["consumer"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests answered.",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration.",
      labelNames: ["method", "route"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    projectionHalted: new Gauge({
      name: "projection_halted",
      help: "1 while a projection is halted on an event it could not apply, else 0.",
      labelNames: ["projection"],
      registers,
    }),
    trackLag: (name, read) => void lagSources.set(name, read),
  };
}
