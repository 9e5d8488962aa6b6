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

  test("exposes the process metrics an operator expects, with prom-client's names", async () => {
    const metrics = createMetrics({ service: "billing" });
    const text = await metrics.registry.metrics();
    const value = (name: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${name}{service="billing"} `));
      return line === undefined ? undefined : Number(line.split(" ").at(-1));
    };
    expect(text).toContain("# TYPE process_cpu_seconds_total counter");
    expect(value("process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(value("process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(value("process_cpu_system_seconds_total")).toBeGreaterThanOrEqual(0);
    expect(value("process_resident_memory_bytes")).toBeGreaterThan(1_000_000);
    expect(value("nodejs_heap_size_total_bytes")).toBeGreaterThan(0);
    expect(value("nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    expect(value("nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    if (process.platform === "linux") expect(value("process_open_fds")).toBeGreaterThan(2);
    const startedAt = value("process_start_time_seconds") ?? 0;
    expect(Math.abs(startedAt - (Date.now() / 1000 - process.uptime()))).toBeLessThan(2);
  });

  test("reports CPU time as a running total across scrapes", async () => {
    const metrics = createMetrics({ service: "billing" });
    const cpu = async () =>
      (await metrics.registry.getSingleMetric("process_cpu_seconds_total")?.get())?.values[0]
        ?.value ?? 0;
    const first = await cpu();
    const until = performance.now() + 50;
    while (performance.now() < until) Math.sqrt(Math.random());
    expect(await cpu()).toBeGreaterThan(first);
  });

  test("leaves the process metrics out when asked", async () => {
    const text = await createMetrics({ service: "billing", defaults: false }).registry.metrics();
    expect(text).not.toContain("process_");
    expect(text).not.toContain("nodejs_");
  });
});
