import { describe, expect, test } from "bun:test";
import { createConsumerTestBed } from "../fixtures/consumer-test-bed.ts";
import { counterValue } from "../fixtures/metric-value.ts";
import { readDeadLetters, testConsumer } from "../fixtures/test-events.ts";
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
});
