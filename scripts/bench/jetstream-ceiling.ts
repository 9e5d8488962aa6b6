/**
 * The ceiling: raw JetStream publish and consume rates on the same kind of server the shop
 * uses (file storage), with 200-byte messages. Publishes keep a window of acks in flight;
 * the consumer is a durable pull consumer acking each message.
 */
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "@shop/shared/testing";

export async function benchJetStreamCeiling(messages = 100_000, window = 1_000) {
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await jsm.streams.add({ name: "CEILING", subjects: ["ceiling.>"] });
    const payload = new Uint8Array(200).fill(120);

    let t0 = performance.now();
    const inFlight = new Set<Promise<unknown>>();
    for (let i = 0; i < messages; i++) {
      const ack = js.publish(`ceiling.${i % 1_000}`, payload).finally(() => inFlight.delete(ack));
      inFlight.add(ack);
      if (inFlight.size >= window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const publishPerSecond = Math.round(messages / ((performance.now() - t0) / 1000));

    await jsm.consumers.add("CEILING", { durable_name: "ceiling", ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get("CEILING", "ceiling");
    t0 = performance.now();
    let seen = 0;
    const iterator = await consumer.consume({ max_messages: 1_000 });
    for await (const message of iterator) {
      message.ack();
      if (++seen >= messages) break;
    }
    await iterator.close();
    const consumePerSecond = Math.round(messages / ((performance.now() - t0) / 1000));
    return { messages, publishWindow: window, publishPerSecond, consumePerSecond };
  } finally {
    await nc.close();
    await server.cleanup();
  }
}
