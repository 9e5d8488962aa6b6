import { describe, expect, test } from "bun:test";
import { findNatsServer, spawnChild, waitFor, waitUntil } from "@shop/shared/testing";
import { noteRecorded } from "../fixtures/test-events.ts";
import { createProjectionTestBed } from "./projection-test-bed.ts";

const bed = createProjectionTestBed();

/** Publishes one note, retrying with the same event id while the broker comes back; returns its sequence. */
async function publishWhenBack(name: string, key: string) {
  const envelope = bed.publisher.envelope(
    { type: noteRecorded.type, data: { key, amount: 1 } },
    {},
  );
  await waitUntil(() => bed.nats.isConnected(), { message: "the test client to reconnect" });
  const { sequence } = await waitFor(() => bed.publisher.publish(`test.${name}.${key}`, envelope), {
    timeoutMs: 15_000,
    message: `publishing ${key}`,
  });
  return sequence;
}

describe("after nats-server restarts", () => {
  for (const how of ["kill", "stop"] as const) {
    test(`resumes within 5 s once the broker is back (${how === "kill" ? "SIGKILL" : "SIGTERM"}), twice, leaving one consumer`, async () => {
      const name = `restart-${how}`;
      const { projection, store } = await bed.start(bed.talliesProjection(name));
      const [first] = await bed.publishNotes(name, [["k", 1]]);
      await projection.waitFor(first as number);

      for (let round = 1; round <= 2; round++) {
        await (how === "kill" ? bed.server.kill() : bed.server.stop());
        await bed.server.restart();
        const sequence = await publishWhenBack(name, "k");
        const publishedAt = performance.now();
        await projection.waitFor(sequence, 5_000);
        expect(performance.now() - publishedAt).toBeLessThan(5_000);
        expect(await bed.rowsOf(store)).toEqual([
          { key: "k", total: 1 + round, applied: 1 + round },
        ]);
      }
      expect(projection.status()).toMatchObject({ state: "live", ready: true, lag: 0 });
      await waitUntil(async () => (await bed.readerConsumers(name)).length === 1, {
        timeoutMs: 5_000,
        message: "exactly one consumer for the projection",
      });
    });
  }
});

describe("when the broker comes back before JetStream does", () => {
  test("resumes within 5 s of JetStream being back", async () => {
    const name = "restart-no-jetstream";
    const { projection, store } = await bed.start(bed.talliesProjection(name));
    const [first] = await bed.publishNotes(name, [["k", 1]]);
    await projection.waitFor(first as number);

    // A server without JetStream on the same port stands for one still recovering its store:
    // clients reconnect, and every JetStream request fails for a while.
    await bed.server.kill();
    let coreReady = false;
    const core = spawnChild({
      cmd: [findNatsServer().path, "-a", "127.0.0.1", "-p", String(bed.server.port)],
      onLine: (line) => {
        if (line.includes("Server is ready")) coreReady = true;
      },
    });
    try {
      await waitUntil(() => coreReady, { message: "the core-only server" });
      await waitUntil(() => bed.nats.isConnected(), { message: "the client to reconnect" });
      await Bun.sleep(2_000);
    } finally {
      await core.signal("SIGKILL");
    }
    await bed.server.restart();
    const sequence = await publishWhenBack(name, "k");
    const publishedAt = performance.now();
    await projection.waitFor(sequence, 5_000);
    expect(performance.now() - publishedAt).toBeLessThan(5_000);
    expect(await bed.rowsOf(store)).toEqual([{ key: "k", total: 2, applied: 2 }]);
  });
});
