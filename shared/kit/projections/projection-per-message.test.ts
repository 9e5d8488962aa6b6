import { describe, expect, test } from "bun:test";
import { headers as createHeaders } from "@nats-io/nats-core";
import type { ContractRegistry } from "../events/event-contract.ts";
import { testRegistry } from "../fixtures/test-events.ts";
import { createProjectionTestBed } from "./projection-test-bed.ts";

const bed = createProjectionTestBed();

/** The test registry, counting lookups: decoding an event looks its contract up once. */
function countingRegistry() {
  let lookups = 0;
  const registry: ContractRegistry = {
    get: (type, version) => {
      lookups += 1;
      return testRegistry.get(type, version);
    },
    all: () => testRegistry.all(),
  };
  return { registry, lookups: () => lookups };
}

describe("work per message", () => {
  test("skips events of types it has no handler for by their ce-type header, unread, and passes them", async () => {
    const name = "skip-by-type";
    const counting = countingRegistry();
    const { projection, store, metrics } = await bed.start(bed.talliesProjection(name), {
      registry: counting.registry,
    });
    const headers = createHeaders();
    headers.set("ce-type", "test.something-else");
    // Not even JSON: had it been decoded, it would have been dead-lettered as malformed.
    const skipped: number[] = [];
    const skip = async () =>
      skipped.push((await bed.nats.js.publish(`test.${name}.other`, "%%%", { headers })).seq);
    await skip();
    await bed.publishNotes(name, [["k", 1]]);
    await skip();
    await bed.publishNotes(name, [["k", 2]]);
    await skip();

    const last = skipped.at(-1) as number;
    await projection.waitFor(last);
    expect(await bed.checkpointOf(store, name)).toBe(last);
    expect(await bed.rowsOf(store)).toEqual([{ key: "k", total: 3, applied: 2 }]);
    expect(counting.lookups()).toBe(2);
    expect((await metrics.deadLettered.get()).values).toEqual([]);
  });

  test("decodes each message once, even when its batch is applied again after a failure", async () => {
    const name = "decode-once";
    const counting = countingRegistry();
    let failures = 0;
    const { projection, store } = await bed.start(
      bed.talliesProjection(name, {
        beforeApply: (key) => {
          if (key === "c" && failures < 2) {
            failures += 1;
            throw new Error("transient");
          }
        },
      }),
      { registry: counting.registry, tuning: { backoff: { initialMs: 20, maxMs: 100 } } },
    );
    const sequences = await bed.publishNotes(name, [
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
    await projection.waitFor(sequences.at(-1) as number, 5_000);
    expect(failures).toBe(2);
    expect((await bed.rowsOf(store)).map((r) => [r.key, r.applied])).toEqual([
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
    expect(counting.lookups()).toBe(3);
  });
});
