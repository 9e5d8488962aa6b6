import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type NatsServerHandle, startNatsServer } from "@shop/shared/testing";
import { TEST_STREAM, testRegistry, testTopology } from "../fixtures/test-events.ts";
import { createLogger } from "../log/logger.ts";
import { connectNats, type NatsContext } from "../nats/connection.ts";
import { ensureTopology } from "../nats/topology.ts";
import { createEventPublisher } from "./publisher.ts";

let server: NatsServerHandle;
let nats: NatsContext;

beforeAll(async () => {
  server = await startNatsServer();
  nats = await connectNats({
    url: server.url,
    name: "publisher-test",
    logger: createLogger({ service: "t", level: "silent" }),
  });
  await ensureTopology(nats.jsm, testTopology());
});

afterAll(async () => {
  await nats?.drain();
  await server?.cleanup();
});

describe("publisher", () => {
  test("refuses to store an event that breaks its contract, and stores nothing", async () => {
    const publisher = createEventPublisher({
      js: nats.js,
      source: "/test",
      registry: testRegistry,
    });
    const bad = publisher.envelope(
      { type: "test.note-recorded", data: { key: "k", amount: "many" } },
      {},
    );
    await expect(publisher.publish("test.contract.k", bad)).rejects.toMatchObject({
      kind: "validation",
      code: "event.invalid-outgoing",
    });
    const unknown = publisher.envelope({ type: "test.unheard-of", data: {} }, {});
    await expect(publisher.publish("test.contract.k", unknown)).rejects.toMatchObject({
      code: "event.unknown-type",
    });
    expect((await nats.jsm.streams.info(TEST_STREAM.name)).state.messages).toBe(0);

    const good = publisher.envelope(
      { type: "test.note-recorded", data: { key: "k", amount: 1 } },
      {},
    );
    expect((await publisher.publish("test.contract.k", good)).sequence).toBe(1);
  });

  test("the same event id is stored once (broker dedupe), and a failed expectation is a conflict", async () => {
    const publisher = createEventPublisher({
      js: nats.js,
      source: "/test",
      registry: testRegistry,
    });
    const event = publisher.envelope(
      { type: "test.note-recorded", data: { key: "d", amount: 2 } },
      {},
    );
    const first = await publisher.publish("test.dedupe.d", event);
    expect(await publisher.publish("test.dedupe.d", event)).toMatchObject({
      duplicate: true,
      sequence: first.sequence,
    });
    const next = publisher.envelope(
      { type: "test.note-recorded", data: { key: "d", amount: 3 } },
      {},
    );
    await expect(
      publisher.publish("test.dedupe.d", next, { expectLastSubjectSequence: 0 }),
    ).rejects.toMatchObject({
      kind: "conflict",
      code: "stream.wrong-last-sequence",
    });
  });

  test("an atomic batch stores every event or none, and a retried batch is not stored twice", async () => {
    const publisher = createEventPublisher({ js: nats.js, nc: nats.nc, source: "/test" });
    const note = (key: string, amount: number) =>
      publisher.envelope({ type: "test.note-recorded", data: { key, amount } }, {});
    const stored = (subject: string) =>
      nats.jsm.streams
        .info(TEST_STREAM.name, { subjects_filter: subject })
        .then((info) => info.state.subjects?.[subject] ?? 0);

    const batch = [
      { subject: "test.batch.a", envelope: note("a", 1), expectLastSubjectSequence: 0 },
      { subject: "test.batch.b", envelope: note("b", 1), expectLastSubjectSequence: 0 },
      { subject: "test.batch.a", envelope: note("a", 2) },
    ];
    const results = await publisher.publishAll(batch);
    expect(results.map((r) => r.sequence - (results[0]?.sequence ?? 0))).toEqual([0, 1, 2]);
    await expect(publisher.publishAll(batch)).rejects.toMatchObject({
      kind: "conflict",
      code: "stream.duplicate-batch",
    });

    // b's guard fails, so a's event is refused with it.
    await expect(
      publisher.publishAll([
        {
          subject: "test.batch.a",
          envelope: note("a", 3),
          expectLastSubjectSequence: results[2]?.sequence,
        },
        { subject: "test.batch.b", envelope: note("b", 3), expectLastSubjectSequence: 0 },
      ]),
    ).rejects.toMatchObject({ kind: "conflict", code: "stream.wrong-last-sequence" });
    expect([await stored("test.batch.a"), await stored("test.batch.b")]).toEqual([2, 1]);
  });

  test("an event over the broker's max_payload is refused as invalid input, not an outage", async () => {
    const publisher = createEventPublisher({ js: nats.js, source: "/test" });
    const huge = publisher.envelope(
      { type: "test.note-recorded", data: { key: "x".repeat(2_000_000), amount: 1 } },
      {},
    );
    await expect(publisher.publish("test.huge.k", huge)).rejects.toMatchObject({
      kind: "validation",
      code: "event.too-large",
    });
  });
});
