import { expect, test } from "bun:test";
import { useTestBroker } from "../fixtures/test-broker.ts";
import { createLogger } from "../log/logger.ts";
import { type ConsumerSpec, ensureTopology, type StreamSpec } from "./topology.ts";

const broker = useTestBroker(
  "topology",
  createLogger({ service: "t", level: "silent" }),
  async () => {},
);

const stream: StreamSpec = { name: "TOPO", subjects: ["topo.>"], description: "first" };
const consumer: ConsumerSpec = {
  stream: "TOPO",
  durable: "topo-reader",
  filterSubject: "topo.a.>",
  description: "reads a",
};

test("declaring the same topology again changes nothing; a changed setting is applied", async () => {
  await ensureTopology(broker.nats.jsm, { streams: [stream], consumers: [consumer] });
  const created = (await broker.nats.jsm.consumers.info("TOPO", "topo-reader")).created;
  await ensureTopology(broker.nats.jsm, { streams: [stream], consumers: [consumer] });
  const again = await broker.nats.jsm.consumers.info("TOPO", "topo-reader");
  expect(again.created).toBe(created);
  expect(again.config.filter_subject).toBe("topo.a.>");

  await ensureTopology(broker.nats.jsm, {
    streams: [{ ...stream, description: "second" }],
    consumers: [{ ...consumer, filterSubject: "topo.b.>" }],
  });
  expect((await broker.nats.jsm.streams.info("TOPO")).config.description).toBe("second");
  const changed = await broker.nats.jsm.consumers.info("TOPO", "topo-reader");
  expect(changed.config.filter_subject).toBe("topo.b.>");
  expect(changed.created).toBe(created);
});

test("a durable is switched in place from one filter to the spec's per-type filters, and back", async () => {
  const typed: ConsumerSpec = { ...consumer, durable: "topo-typed", filterSubject: "topo.>" };
  await ensureTopology(broker.nats.jsm, { streams: [stream], consumers: [typed] });
  const created = (await broker.nats.jsm.consumers.info("TOPO", "topo-typed")).created;

  const filters = ["topo.*.thing.made", "topo.*.thing.dropped"];
  await ensureTopology(broker.nats.jsm, {
    streams: [stream],
    consumers: [{ ...typed, filterSubjects: filters }],
  });
  const switched = await broker.nats.jsm.consumers.info("TOPO", "topo-typed");
  expect(switched.config.filter_subjects).toEqual(filters);
  expect(switched.config.filter_subject ?? "").toBe("");
  expect(switched.created).toBe(created);

  // Declared again unchanged: no update is sent.
  const update = broker.nats.jsm.consumers.update.bind(broker.nats.jsm.consumers);
  let updates = 0;
  broker.nats.jsm.consumers.update = (...args) => {
    updates += 1;
    return update(...args);
  };
  try {
    await ensureTopology(broker.nats.jsm, {
      streams: [stream],
      consumers: [{ ...typed, filterSubjects: filters }],
    });
  } finally {
    broker.nats.jsm.consumers.update = update;
  }
  expect(updates).toBe(0);

  await ensureTopology(broker.nats.jsm, { streams: [stream], consumers: [typed] });
  const back = await broker.nats.jsm.consumers.info("TOPO", "topo-typed");
  expect(back.config.filter_subject).toBe("topo.>");
  expect(back.config.filter_subjects ?? []).toEqual([]);
});

test("narrowing a stream's subjects past the messages it holds is refused, naming one, and changes nothing", async () => {
  const old: StreamSpec = { name: "NARROW", subjects: ["narrow.>"], description: "before" };
  await ensureTopology(broker.nats.jsm, { streams: [old], consumers: [] });
  await broker.nats.js.publish("narrow.o1.thing.made", "typed");
  await broker.nats.js.publish("narrow.o2", "bare");

  await expect(
    ensureTopology(broker.nats.jsm, {
      streams: [{ ...old, subjects: ["narrow.*.>"] }],
      consumers: [],
    }),
  ).rejects.toThrow(
    /NARROW holds messages on narrow\.o2, which its new subjects \(narrow\.\*\.>\)/,
  );
  expect((await broker.nats.jsm.streams.info("NARROW")).config.subjects).toEqual(["narrow.>"]);

  // Subjects that still cover everything stored are applied.
  await ensureTopology(broker.nats.jsm, {
    streams: [{ ...old, subjects: ["narrow.*", "narrow.*.>"] }],
    consumers: [],
  });
  expect((await broker.nats.jsm.streams.info("NARROW")).config.subjects).toEqual([
    "narrow.*",
    "narrow.*.>",
  ]);
});
