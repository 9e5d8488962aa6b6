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

test("a durable is switched in place from one filter to the spec's per-type filters, and back", async () => {
  const typed: ConsumerSpec = { ...consumer, durable: "topo-typed", filterSubject: "topo.>" };
  await ensureTopology(nats.jsm, { streams: [stream], consumers: [typed] });
  const created = (await nats.jsm.consumers.info("TOPO", "topo-typed")).created;

  const filters = ["topo.*.thing.made", "topo.*.thing.dropped"];
  await ensureTopology(nats.jsm, {
    streams: [stream],
    consumers: [{ ...typed, filterSubjects: filters }],
  });
  const switched = await nats.jsm.consumers.info("TOPO", "topo-typed");
  expect(switched.config.filter_subjects).toEqual(filters);
  expect(switched.config.filter_subject ?? "").toBe("");
  expect(switched.created).toBe(created);

  // Declared again unchanged: no update is sent.
  const update = nats.jsm.consumers.update.bind(nats.jsm.consumers);
  let updates = 0;
  nats.jsm.consumers.update = (...args) => {
    updates += 1;
    return update(...args);
  };
  try {
    await ensureTopology(nats.jsm, {
      streams: [stream],
      consumers: [{ ...typed, filterSubjects: filters }],
    });
  } finally {
    nats.jsm.consumers.update = update;
  }
  expect(updates).toBe(0);

  await ensureTopology(nats.jsm, { streams: [stream], consumers: [typed] });
  const back = await nats.jsm.consumers.info("TOPO", "topo-typed");
  expect(back.config.filter_subject).toBe("topo.>");
  expect(back.config.filter_subjects ?? []).toEqual([]);
});

test("narrowing a stream's subjects past the messages it holds is refused, naming one, and changes nothing", async () => {
  const old: StreamSpec = { name: "NARROW", subjects: ["narrow.>"], description: "before" };
  await ensureTopology(nats.jsm, { streams: [old], consumers: [] });
  await nats.js.publish("narrow.o1.thing.made", "typed");
  await nats.js.publish("narrow.o2", "bare");

  await expect(
    ensureTopology(nats.jsm, { streams: [{ ...old, subjects: ["narrow.*.>"] }], consumers: [] }),
  ).rejects.toThrow(
    /NARROW holds messages on narrow\.o2, which its new subjects \(narrow\.\*\.>\)/,
  );
  expect((await nats.jsm.streams.info("NARROW")).config.subjects).toEqual(["narrow.>"]);

  // Subjects that still cover everything stored are applied.
  await ensureTopology(nats.jsm, {
    streams: [{ ...old, subjects: ["narrow.*", "narrow.*.>"] }],
    consumers: [],
  });
  expect((await nats.jsm.streams.info("NARROW")).config.subjects).toEqual([
    "narrow.*",
    "narrow.*.>",
  ]);
});
