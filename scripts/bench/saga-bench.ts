/**
 * End-to-end saga: the five services as processes on a harness nats-server; N orders
 * placed by C concurrent clients. Reports POST /orders latency, placed→confirmed
 * latency (from the order's timeline) and settled orders per second.
 */
import {
  createUser,
  placeOrder,
  SERVICE_NAMES,
  type Shop,
  settledOrder,
  startShop,
  stockProduct,
} from "../../tests/e2e/shop-harness.ts";
import { percentile } from "./machine.ts";

/** Mean handler time per message for each consumer and projection, from the services' own metrics. */
async function handlerCosts(shop: Shop) {
  const costs: Record<string, number> = {};
  for (const name of SERVICE_NAMES) {
    const text = await (await fetch(`${shop.services[name].url}/metrics`)).text();
    const read = (metric: string) =>
      new Map(
        [
          ...text.matchAll(
            new RegExp(`^${metric}\\{[^}]*consumer="([^"]+)"[^}]*\\} (\\S+)$`, "gm"),
          ),
        ].map((m) => [m[1], Number(m[2])]),
      );
    const sums = read("message_handler_duration_seconds_sum");
    const counts = read("message_handler_duration_seconds_count");
    for (const [consumer, sum] of sums) {
      const count = counts.get(consumer) ?? 0;
      if (count > 0) costs[`${name}/${consumer}`] = +((sum / count) * 1000).toFixed(2);
    }
  }
  return costs;
}

export async function benchSaga(orders: number, concurrency: number) {
  const shop = await startShop({ all: { LOG_LEVEL: "error" } });
  try {
    const userId = await createUser(shop, `bench-${Date.now()}@example.com`);
    await stockProduct(shop, "bench-item", 100, orders * 2);
    await settledOrder(shop, await placeOrder(shop, userId, [{ sku: "bench-item", quantity: 1 }]));

    const postLatencies: number[] = [];
    const ids: string[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < orders) {
          next++;
          const t0 = performance.now();
          ids.push(await placeOrder(shop, userId, [{ sku: "bench-item", quantity: 1 }]));
          postLatencies.push(performance.now() - t0);
        }
      }),
    );
    const settled = await Promise.all(ids.map((id) => settledOrder(shop, id, 120_000)));
    const seconds = (performance.now() - started) / 1000;
    const sagaLatencies = settled
      .map((o) => new Date(o.updatedAt).getTime() - new Date(o.placedAt).getTime())
      .sort((a, b) => a - b);
    postLatencies.sort((a, b) => a - b);
    return {
      handlerMsPerMessage: await handlerCosts(shop),
      orders,
      concurrency,
      confirmed: settled.filter((o) => o.status === "confirmed").length,
      ordersPerSecond: Math.round(orders / seconds),
      postP50Ms: +percentile(postLatencies, 50).toFixed(1),
      postP95Ms: +percentile(postLatencies, 95).toFixed(1),
      sagaP50Ms: percentile(sagaLatencies, 50),
      sagaP95Ms: percentile(sagaLatencies, 95),
    };
  } finally {
    await shop.stop();
  }
}
