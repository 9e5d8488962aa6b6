import { expect, test } from "bun:test";
import { eventSubject } from "../events/event-subject.ts";
import { useTestBroker } from "../fixtures/test-broker.ts";
import { TEST_STREAM } from "../fixtures/test-events.ts";
import { createLogger } from "../log/logger.ts";
import { readAggregate } from "./read-aggregate.ts";

const broker = useTestBroker(
  "read-aggregate",
  createLogger({ service: "t", level: "silent" }),
  async () => {},
);

const store = async (aggregate: string, type: string, body: string) =>
  (await broker.nats.js.publish(eventSubject(aggregate, type), body)).seq;
const bodies = (messages: { data: Uint8Array }[]) =>
  messages.map((m) => new TextDecoder().decode(m.data));

test("reads an aggregate's events of every type in stream order, and only its own", async () => {
  await store("test.read.a1", "test.made", "1");
  await store("test.read.a10", "test.made", "other aggregate");
  await store("test.read.a1", "test.changed", "2");
  await store("test.read.a1", "test.made", "3");
  const last = await store("test.read.a1", "test.dropped", "4");

  const read = await readAggregate(broker.nats, TEST_STREAM.name, "test.read.a1");
  expect(bodies(read.messages)).toEqual(["1", "2", "3", "4"]);
  expect(read.lastSequence).toBe(last);
  expect(read.messages.map((m) => m.subject)).toEqual([
    "test.read.a1.test.made",
    "test.read.a1.test.changed",
    "test.read.a1.test.made",
    "test.read.a1.test.dropped",
  ]);
});

test("reads only what was stored after a sequence; a new aggregate reads as nothing", async () => {
  const first = await store("test.after.a", "test.made", "1");
  await store("test.after.a", "test.changed", "2");
  const read = await readAggregate(broker.nats, TEST_STREAM.name, "test.after.a", first);
  expect(bodies(read.messages)).toEqual(["2"]);
  const caughtUp = await readAggregate(
    broker.nats,
    TEST_STREAM.name,
    "test.after.a",
    read.lastSequence,
  );
  expect(caughtUp).toEqual({ messages: [], lastSequence: read.lastSequence });
  expect(await readAggregate(broker.nats, TEST_STREAM.name, "test.after.nobody", 7)).toEqual({
    messages: [],
    lastSequence: 7,
  });
});

test("reads every event of a subject holding more than one batch of them", async () => {
  for (let i = 0; i < 600; i += 1)
    await store("test.long.a", i % 3 === 0 ? "test.changed" : "test.made", String(i));
  const read = await readAggregate(broker.nats, TEST_STREAM.name, "test.long.a");
  expect(bodies(read.messages)).toEqual(Array.from({ length: 600 }, (_, i) => String(i)));
});

test("an event stored between its two requests on a subject the first did not list is not half-read", async () => {
  const aggregate = "test.race.a";
  await store(aggregate, "test.made", "1");
  const jsm = broker.nats.jsm;
  const lastMessagesFor = jsm.direct.getLastMessagesFor.bind(jsm.direct);
  jsm.direct.getLastMessagesFor = async (...args) => {
    const answer = await lastMessagesFor(...args);
    // Another writer, right after the first request: a new type, then the listed one again.
    await store(aggregate, "test.changed", "2");
    await store(aggregate, "test.made", "3");
    return answer;
  };
  let read: Awaited<ReturnType<typeof readAggregate>>;
  try {
    read = await readAggregate(broker.nats, TEST_STREAM.name, aggregate);
  } finally {
    jsm.direct.getLastMessagesFor = lastMessagesFor;
  }
  // Only what the first request's cut covers: "3" alone, without "2" before it, would be a
  // history with a hole that a guarded append could not detect.
  expect(bodies(read.messages)).toEqual(["1"]);
  const again = await readAggregate(broker.nats, TEST_STREAM.name, aggregate, read.lastSequence);
  expect(bodies(again.messages)).toEqual(["2", "3"]);
});
