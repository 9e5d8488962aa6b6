/**
 * The ceiling: raw JetStream publish and consume rates on the same kind of server the shop
 * uses (file storage), with 200-byte messages. Publishes keep a window of acks in flight;
 * the consumer is a durable pull consumer acking each message.
 */
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "@shop/shared/testing";
import { cpuMs, findPid } from "./process-stats.ts";

/** CPU of this process and of nats-server while `work` runs, in microseconds per message. */
async function cpuPerMessage(serverPid: number, messages: number, work: () => Promise<void>) {
  const client0 = process.cpuUsage();
  const server0 = cpuMs(serverPid);
  await work();
  const client = process.cpuUsage(client0);
  return {
    clientMicrosPerMessage: +((client.user + client.system) / messages).toFixed(1),
    serverMicrosPerMessage: +(((cpuMs(serverPid) - server0) * 1000) / messages).toFixed(1),
  };
}

export async function benchJetStreamCeiling(messages = 100_000, window = 1_000) {
  const server = await startNatsServer();
  const serverPid = findPid("-p", String(server.port)) ?? Number.NaN;
  const nc = await connect({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await jsm.streams.add({ name: "CEILING", subjects: ["ceiling.>"] });
    const payload = new Uint8Array(200).fill(120);

    let t0 = performance.now();
    const publishCpu = await cpuPerMessage(serverPid, messages, async () => {
      const inFlight = new Set<Promise<unknown>>();
      for (let i = 0; i < messages; i++) {
        const ack = js.publish(`ceiling.${i % 1_000}`, payload).finally(() => inFlight.delete(ack));
        inFlight.add(ack);
        if (inFlight.size >= window) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    });
    const publishPerSecond = Math.round(messages / ((performance.now() - t0) / 1000));

    await jsm.consumers.add("CEILING", { durable_name: "ceiling", ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get("CEILING", "ceiling");
    t0 = performance.now();
    const consumeCpu = await cpuPerMessage(serverPid, messages, async () => {
      let seen = 0;
      const iterator = await consumer.consume({ max_messages: 1_000 });
      for await (const message of iterator) {
        message.ack();
        if (++seen >= messages) break;
      }
      await iterator.close();
    });
    const consumePerSecond = Math.round(messages / ((performance.now() - t0) / 1000));
    return {
      messages,
      publishWindow: window,
      publishPerSecond,
      publishCpu,
      consumeAndAckPerSecond: consumePerSecond,
      consumeAndAckCpu: consumeCpu,
    };
  } finally {
    await nc.close();
    await server.cleanup();
  }
}
