import { createRequire } from "node:module";
import pino, { type Logger } from "pino";

/** pino-pretty is loaded only for `format: "pretty"`: 2 MB a service logging JSON does without. */
const loadPretty = () =>
  createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty");

export type { Logger };

export interface LoggerOptions {
  service: string;
  level?: string;
  format?: "json" | "pretty";
}

/**
 * Structured JSON logs (one object per line) with the service name on every line;
 * `format: "pretty"` renders them for humans, in-process (no worker thread).
 */
export function createLogger({ service, level = "info", format = "json" }: LoggerOptions): Logger {
  const options = { level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === "pretty") {
    const pretty = loadPretty();
    return pino(
      options,
      pretty({ colorize: true, ignore: "pid,hostname,service", singleLine: true, sync: true }),
    );
  }
  return pino(options);
}

/** The fields every line about a message carries, so one event can be followed across services. */
export interface EventLogFields {
  eventId: string;
  eventType: string;
  correlationId?: string | undefined;
}

export const eventLogger = (
  logger: Logger,
  event: EventLogFields,
  extra: Record<string, unknown> = {},
) =>
  logger.child({
    eventId: event.eventId,
    eventType: event.eventType,
    correlationId: event.correlationId,
    ...extra,
  });
