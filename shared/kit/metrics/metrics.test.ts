import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { createMetrics } from "./metrics.ts";

setDefaultTimeout(30_000);

describe("createMetrics", () => {
  test("exposes the kit's counters with the service label", async () => {
    const metrics = createMetrics({ service: "billing", defaults: false });
    metrics.handled.inc({ consumer: "billing-on-orders", type: "order.placed" });
    metrics.deadLettered.inc({ consumer: "billing-on-orders", code: "event.malformed" });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'messages_handled_total{consumer="billing-on-orders",type="order.placed",service="billing"} 1',
    );
    expect(text).toContain(
      'messages_dead_lettered_total{consumer="billing-on-orders",code="event.malformed",service="billing"} 1',
    );
  });

  test("reports each tracked lag, and drops a lag that cannot be read", async () => {
    const metrics = createMetrics({ service: "billing", defaults: false });
    let brokerUp = true;
    metrics.trackLag("projection", () => 3);
    metrics.trackLag("consumer", async () => {
      if (!brokerUp) throw new Error("no responders");
      return 7;
    });
    let text = await metrics.registry.metrics();
    expect(text).toContain('consumer_lag_messages{consumer="projection",service="billing"} 3');
    expect(text).toContain('consumer_lag_messages{consumer="consumer",service="billing"} 7');

    brokerUp = false;
    text = await metrics.registry.metrics();
    expect(text).toContain('consumer_lag_messages{consumer="projection",service="billing"} 3');
    expect(text).not.toContain('consumer="consumer"');
  });

  test("slow lag sources do not hold up a scrape", async () => {
    const metrics = createMetrics({ service: "billing", defaults: false });
    // What each durable consumer's lag read does while the broker is down: wait out a request timeout.
    for (const name of ["a", "b", "c"]) {
      metrics.trackLag(name, () => Bun.sleep(2_000).then(() => 1));
    }
    const startedAt = performance.now();
    const text = await metrics.registry.metrics();
    expect(text).toContain("messages_handled_total");
    expect(performance.now() - startedAt).toBeLessThan(1_000);
  });
});
