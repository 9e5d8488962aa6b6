import type { JsMsg } from "@nats-io/jetstream";
import { type AppError, isPermanent } from "../errors/app-error.ts";
import type { EventEnvelope } from "../events/cloud-event.ts";
import { decodeEvent } from "../events/codec.ts";
import type { ContractRegistry } from "../events/event-contract.ts";

/** A message as a projection sees it once, before any transaction. */
export type SelectedMessage =
  /** Not an event type this projection handles: nothing to apply, the checkpoint just passes it. */
  | { kind: "skip"; message: JsMsg }
  | { kind: "apply"; message: JsMsg; event: EventEnvelope }
  /** A type it handles (or cannot tell) that does not decode: to be dead-lettered, then passed. */
  | { kind: "reject"; message: JsMsg; error: AppError };

/** The `ce-type` header (binary mode, and structured mode as the kit publishes it), if any. */
function typeFromHeader(message: Pick<JsMsg, "headers">): string | undefined {
  const value = message.headers?.get("ce-type");
  if (!value) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Builds the filter-and-decode step of a projection. A message whose `ce-type` header names a
 * type with no handler is skipped without reading its payload. Otherwise it is decoded once
 * (envelope and data validated against the registry): an event of a handled type is to be
 * applied, one of another type skipped, and one that cannot be valid (a permanent AppError:
 * malformed, invalid data, unknown type) is rejected with the error that says why. Anything
 * else is thrown: an `unavailable` AppError (such as a version this code does not know yet)
 * means "not now", and the caller retries.
 */
export function createMessageSelector(
  registry: ContractRegistry,
  handledTypes: ReadonlySet<string>,
): (message: JsMsg) => SelectedMessage {
  return (message) => {
    const announced = typeFromHeader(message);
    if (announced !== undefined && !handledTypes.has(announced)) return { kind: "skip", message };
    let event: EventEnvelope;
    try {
      event = decodeEvent(registry, message);
    } catch (err) {
      if (isPermanent(err)) return { kind: "reject", message, error: err };
      throw err;
    }
    if (!handledTypes.has(event.type)) return { kind: "skip", message };
    return { kind: "apply", message, event };
  };
}
