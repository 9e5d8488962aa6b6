import { afterAll, beforeAll, expect, test } from "bun:test";
import { type NatsServerHandle, startNatsServer } from "@shop/shared/testing";
import { createLogger } from "../log/logger.ts";
import { connectNats, type NatsContext } from "./connection.ts";
import { type ConsumerSpec, ensureTopology, type StreamSpec } from "./topology.ts";

let server: NatsServerHandle;
let nats: NatsContext;

beforeAll(async () => {
  server = await startNatsServer();
  nats = await connectNats({
    url: server.url,
    name: "topology-test",
    logger: createLogger({ service: "t", level: "silent" }),
  });
});

afterAll(async () => {
  await nats?.drain();
  await server?.cleanup();
});

const stream: StreamSpec = { name: "TOPO", subjects: ["topo.>"], description: "first" };
const consumer: ConsumerSpec = {
  stream: "TOPO",
  durable: "topo-reader",
  filterSubject: "topo.a.>",
  description: "reads a",
};

test("declaring the same topology again changes nothing; a changed setting is applied", async () => {
  await ensureTopology(nats.jsm, { streams: [stream], consumers: [consumer] });
  const created = (await nats.jsm.consumers.info("TOPO", "topo-reader")).created;
  await ensureTopology(nats.jsm, { streams: [stream], consumers: [consumer] });
  const again = await nats.jsm.consumers.info("TOPO", "topo-reader");
  expect(again.created).toBe(created);
  expect(again.config.filter_subject).toBe("topo.a.>");

  await ensureTopology(nats.jsm, {
    streams: [{ ...stream, description: "second" }],
    consumers: [{ ...consumer, filterSubject: "topo.b.>" }],
  });
  expect((await nats.jsm.streams.info("TOPO")).config.description).toBe("second");
  const changed = await nats.jsm.consumers.info("TOPO", "topo-reader");
  expect(changed.config.filter_subject).toBe("topo.b.>");
  expect(changed.created).toBe(created);
});
