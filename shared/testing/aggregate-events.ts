import { type NatsContext, readAggregate, type StoredEvent } from "../kit/index.ts";

/** The events stored about one aggregate (on `<aggregate>.<type>` subjects), in stream order. */
export async function eventsOfAggregate(
  nats: Pick<NatsContext, "jsm">,
  stream: string,
  aggregate: string,
): Promise<StoredEvent[]> {
  return (await readAggregate(nats, stream, aggregate)).messages;
}
