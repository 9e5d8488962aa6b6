/**
 * The order saga sustained: C clients place orders as fast as they are accepted for S seconds,
 * then the run waits until every order has settled and every consumer is idle. Reports
 * settled orders/s over the whole run, placed→settled latency from each order's timeline, CPU
 * per order for every process (nats-server included), broker messages and stored events per
 * order, and the server's consumer count before and after.
 */
import { createUser, stockProduct } from "../../tests/e2e/shop-harness.ts";
import {
  brokerMessages,
  consumerCount,
  quiet,
  shopPids,
  startBenchShop,
  storedMessages,
} from "./bench-shop.ts";
import { cpuMs, percentile } from "./process-stats.ts";

export async function benchSaga({ seconds = 60, clients = 32 } = {}) {
  const shop = await startBenchShop();
  try {
    const userId = await createUser(shop, `saga-${Date.now()}@example.com`);
    await stockProduct(shop, "saga-item", 100, 1_000_000);
    const order = JSON.stringify({
      userId,
      items: [{ sku: "saga-item", quantity: 1 }],
      paymentMethod: "visa",
    });
    const post = () =>
      fetch(`${shop.services.orders.url}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: order,
      });
    // Warm up: the catalog and users read models must know the sku and the user.
    for (;;) {
      const res = await post();
      if (res.status === 202) break;
      await Bun.sleep(100);
    }
    await quiet(shop);

    const pids = shopPids(shop);
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid)]));
    const [messagesBefore, storedBefore, consumersBefore] = [
      await brokerMessages(shop),
      await storedMessages(shop),
      await consumerCount(shop),
    ];
    const ids: string[] = [];
    let refused = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < deadline) {
          const res = await post();
          if (res.status === 202) ids.push(((await res.json()) as { orderId: string }).orderId);
          else {
            refused++;
            await res.body?.cancel();
          }
        }
      }),
    );
    const placing = (performance.now() - started) / 1000;
    await quiet(shop);
    const elapsed = (performance.now() - started) / 1000;
    const cpu = Object.fromEntries(
      Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid) - (cpuBefore[n] ?? 0)]),
    );
    const messages = (await brokerMessages(shop)) - messagesBefore;
    const stored = (await storedMessages(shop)) - storedBefore;
    const consumersAfter = await consumerCount(shop);

    const settled: { status: string; ms: number }[] = [];
    for (let i = 0; i < ids.length; i += 64) {
      const batch = await Promise.all(
        ids.slice(i, i + 64).map(async (id) => {
          const { body } = await shop.call("orders", "GET", `/orders/${id}`);
          return {
            status: body.status as string,
            ms: new Date(body.updatedAt).getTime() - new Date(body.placedAt).getTime(),
          };
        }),
      );
      settled.push(...batch);
    }
    const latencies = settled.map((o) => o.ms).sort((a, b) => a - b);
    const n = ids.length;
    const perOrder = (ms: number) => +(ms / n).toFixed(2);
    return {
      seconds,
      clients,
      placed: n,
      refused,
      confirmed: settled.filter((o) => o.status === "confirmed").length,
      stillPending: settled.filter((o) => o.status === "pending").length,
      placedPerSecond: Math.round(n / placing),
      settledPerSecond: Math.round(n / elapsed),
      placedToSettledMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      cpuMsPerOrder: {
        total: perOrder(Object.values(cpu).reduce((a, b) => a + b, 0)),
        ...Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, perOrder(ms)])),
      },
      brokerMessagesPerOrder: +(messages / n).toFixed(1),
      storedEventsPerOrder: +(stored / n).toFixed(1),
      consumers: { before: consumersBefore, after: consumersAfter },
    };
  } finally {
    await shop.stop();
  }
}
