import { describe, expect, test } from "bun:test";
import { waitUntil } from "@shop/shared/testing";
import { createConsumerTestBed } from "../fixtures/consumer-test-bed.ts";
import { counterValue } from "../fixtures/metric-value.ts";
import { readDeadLetters, testConsumer, testTopology } from "../fixtures/test-events.ts";
import { createHttpApp } from "../http/create-http-app.ts";
import { createLogger } from "../log/logger.ts";
import { ensureTopology } from "../nats/topology.ts";
import { consumersReadiness } from "./consumer-readiness.ts";
import { DEAD_LETTER_STREAM, deadLetterSubject } from "./dead-letter.ts";

const bed = createConsumerTestBed();
const { run, recordNote, note, tallyOf, waitSettled } = bed;

describe("dead letters are always storable", () => {
  test("an oversized poison message is dead-lettered as a bounded excerpt and later messages are handled", async () => {
    const spec = testConsumer("oversized", "test.oversized.>");
    const { store, metrics } = await run(spec, [recordNote("oversized")]);
    // 400 kB of 0xFF: decoded as text, each byte becomes a 3-byte U+FFFD (1.2 MB, over max_payload).
    const poison = new Uint8Array(400_000).fill(0xff);
    const poisonAck = await bed.nats.js.publish("test.oversized.a", poison);
    const later = await bed.publisher.publish("test.oversized.a", note("after", 2));

    const [letter] = await readDeadLetters(bed.nats, "oversized", 1);
    expect(letter).toMatchObject({
      code: "event.malformed",
      stream: "TEST",
      subject: "test.oversized.a",
      streamSequence: poisonAck.seq,
      payloadBytes: 400_000,
      payloadTruncated: true,
    });
    expect(letter?.payload.length).toBeGreaterThan(0);
    expect(poison.subarray(0, 16).every((b) => b === 0xff)).toBe(true);
    const stored = await bed.nats.jsm.streams.getMessage(DEAD_LETTER_STREAM.name, {
      last_by_subj: deadLetterSubject("TEST", "oversized"),
    });
    expect(stored?.data.length).toBeLessThanOrEqual(16 * 1024);

    await waitSettled(spec, later.sequence);
    expect(await tallyOf(store, "after")).toEqual({ key: "after", total: 2, applied: 1 });
    expect(await counterValue(metrics.deadLettered, { consumer: "oversized" })).toBe(1);
  });

  test("when even the dead letter cannot be stored, the message is kept and retried with backoff, and readiness, metrics say so until it is stored", async () => {
    const spec = testConsumer("unstorable", "test.unstorable.>", {
      retry: { initialDelayMs: 100, multiplier: 2, maxDelayMs: 2_000, jitter: 0 },
    });
    const running = await run(spec, [recordNote("unstorable")]);
    const { consumer, metrics } = running;
    const app = createHttpApp({
      service: "consumer-test",
      logger: createLogger({ service: "consumer-test", level: "silent" }),
      metrics,
      readiness: () => ({ consumers: consumersReadiness([consumer]) }),
    });
    await bed.nats.jsm.streams.delete(DEAD_LETTER_STREAM.name);
    try {
      const poison = await bed.nats.js.publish("test.unstorable.a", "{ not json");
      const failuresAt: number[] = [];
      const started = performance.now();
      while (performance.now() - started < 2_000) {
        const failures = await counterValue(metrics.deadLetterFailures, { consumer: "unstorable" });
        while (failuresAt.length < failures) failuresAt.push(performance.now());
        await Bun.sleep(10);
      }
      // Retried, with growing delays (100, 200, 400, 800 ms...): never a tight loop.
      expect(failuresAt.length).toBeGreaterThanOrEqual(3);
      expect(failuresAt.length).toBeLessThanOrEqual(6);
      const gaps = failuresAt.slice(1).map((at, i) => at - (failuresAt[i] as number));
      expect(gaps.at(-1) as number).toBeGreaterThan((gaps[0] as number) * 2);
      expect(consumer.health().ok).toBe(false);
      const ready = await app.request("/health/ready");
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as {
        checks: { consumers: boolean };
        reasons: { consumers: string };
      };
      expect(body.checks.consumers).toBe(false);
      expect(body.reasons.consumers).toContain("unstorable: cannot store dead letters");
      expect(body.reasons.consumers).toContain(`stream sequence ${poison.seq}`);
      expect(await counterValue(metrics.deadLettered, { consumer: "unstorable" })).toBe(0);

      await ensureTopology(bed.nats.jsm, testTopology());
      const [letter] = await readDeadLetters(bed.nats, "unstorable", 1);
      expect(letter).toMatchObject({ code: "event.malformed", streamSequence: poison.seq });
      await waitUntil(() => consumer.health().ok, { message: "the consumer to report healthy" });
      expect((await app.request("/health/ready")).status).toBe(200);
      const later = await bed.publisher.publish("test.unstorable.a", note("later", 1));
      await waitSettled(spec, later.sequence);
      expect(await tallyOf(running.store, "later")).toEqual({ key: "later", total: 1, applied: 1 });
      expect(await counterValue(metrics.deadLettered, { consumer: "unstorable" })).toBe(1);
    } finally {
      await ensureTopology(bed.nats.jsm, testTopology());
    }
  });
});

describe("a durable consumer deleted on the broker", () => {
  test("turns readiness to 503 with the reason, and is not silently recreated", async () => {
    const spec = testConsumer("deleted-durable", "test.deleted.>");
    const { consumer, metrics } = await run(spec, [recordNote("deleted-durable")]);
    const app = createHttpApp({
      service: "consumer-test",
      logger: createLogger({ service: "consumer-test", level: "silent" }),
      metrics,
      readiness: () => ({ consumers: consumersReadiness([consumer]) }),
    });
    expect((await app.request("/health/ready")).status).toBe(200);
    await bed.nats.jsm.consumers.delete(spec.stream, spec.durable);
    await waitUntil(async () => (await app.request("/health/ready")).status === 503, {
      timeoutMs: 15_000,
      message: "readiness to notice the deleted durable consumer",
    });
    const body = (await (await app.request("/health/ready")).json()) as { reasons?: unknown };
    expect(JSON.stringify(body.reasons)).toContain("deleted-durable");
    expect(JSON.stringify(body.reasons)).toContain("gone from the broker");
    const names: string[] = [];
    for await (const info of bed.nats.jsm.consumers.list(spec.stream)) names.push(info.name);
    expect(names).not.toContain(spec.durable);
  });
});
