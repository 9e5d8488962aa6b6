import { AppError, unavailable } from "../errors/app-error.ts";
import type { EventEnvelope } from "../events/cloud-event.ts";
import { decodeEvent, isUnknownType, isUnknownVersion } from "../events/codec.ts";
import type { ContractRegistry } from "../events/event-contract.ts";
import type { Logger } from "../log/logger.ts";
import type { StoredEvent } from "./read-subject.ts";

const UNREADABLE_HISTORY = "aggregate.unknown-event";

/** An aggregate's history holds an event this release cannot read (see `decodeHistory`). */
export const isUnreadableHistory = (err: unknown): err is AppError =>
  err instanceof AppError && err.code === UNREADABLE_HISTORY;

/**
 * Decodes an aggregate's stored history for a decision. A message that is not an event at all
 * (garbage published by hand on the subject) is logged and skipped: it is not part of the
 * history. An event this code cannot read (an unknown type, or a known type at an unknown
 * version, from a newer release) stops the read with AppError `unavailable`
 * (`aggregate.unknown-event`): deciding on a history that silently lacks it could, say, charge
 * a cancelled order. The caller retries later.
 */
export function decodeHistory(
  registry: ContractRegistry,
  messages: readonly StoredEvent[],
  { subject, logger }: { subject: string; logger: Logger },
): EventEnvelope[] {
  const events: EventEnvelope[] = [];
  for (const message of messages) {
    try {
      events.push(decodeEvent(registry, message));
    } catch (err) {
      if (isUnknownVersion(err) || isUnknownType(err)) {
        throw unavailable(
          UNREADABLE_HISTORY,
          `${subject} holds an event this version cannot read (sequence ${message.seq}): ${err.message}`,
          err,
        );
      }
      logger.error(
        { err, subject, sequence: message.seq },
        "skipping a malformed message in an aggregate's history",
      );
    }
  }
  return events;
}
