import { unavailable } from "../kit/errors/app-error.ts";
import type { EventPublisher } from "../kit/events/publisher.ts";

/** Faults a test switches on: what a client meets when the network or a read model misbehaves. */
export interface PublisherFaults {
  /** The next append is stored, but its acknowledgement is lost (the request fails with 503). */
  loseNextAck: boolean;
  /** The next append never reaches the broker (the request fails with 503, nothing stored). */
  dropNextAppend: boolean;
  /** The read model does not show new writes in time (for the test's own read-model wrapper). */
  readModelBehind: boolean;
}

/**
 * Wraps the kit's publisher with switchable faults, and records every event id it is asked to
 * store (`offeredEventIds`), so a test can check that a retried command offered the same ids.
 */
export function createFaultyPublisher() {
  const faults: PublisherFaults = {
    loseNextAck: false,
    dropNextAppend: false,
    readModelBehind: false,
  };
  const offeredEventIds: string[] = [];
  const wrap = (publisher: EventPublisher): EventPublisher => ({
    ...publisher,
    async publishAll(appends) {
      offeredEventIds.push(...appends.map((a) => a.envelope.id));
      if (faults.dropNextAppend) {
        faults.dropNextAppend = false;
        throw unavailable("nats.publish-failed", "simulated: the append never reached the broker");
      }
      const stored = await publisher.publishAll(appends);
      if (faults.loseNextAck) {
        faults.loseNextAck = false;
        throw unavailable("nats.publish-failed", "simulated: stored, but the ack was lost");
      }
      return stored;
    },
  });
  return { faults, offeredEventIds, wrap };
}
