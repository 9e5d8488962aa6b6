/**
 * HTTP under load, with autocannon (a separate Node process): `POST /orders` at 64 connections
 * (every accepted order must then settle), and `GET /orders/:id` against a bare `Bun.serve`
 * answering the same JSON body, as a ratio.
 */
import { join } from "node:path";
import { getFreePort, waitFor } from "@shop/shared/testing";
import { createUser, type Shop, stockProduct } from "../../tests/e2e/shop-harness.ts";
import { ROOT } from "../lib/services.ts";
import { quiet, startBenchShop } from "./bench-shop.ts";

interface Load {
  requestsPerSecond: number;
  ok: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs autocannon for `seconds` and returns its figures. */
async function autocannon(
  url: string,
  {
    connections,
    seconds,
    method = "GET",
    body,
  }: {
    connections: number;
    seconds: number;
    method?: string;
    body?: string;
  },
): Promise<Load> {
  const args = ["-c", String(connections), "-d", String(seconds), "-m", method, "-j"];
  if (body) args.push("-H", "content-type=application/json", "-b", body);
  const proc = Bun.spawn(
    ["node", join(ROOT, "node_modules/autocannon/autocannon.js"), ...args, url],
    { stdout: "pipe", stderr: "ignore" },
  );
  const result = JSON.parse(await new Response(proc.stdout).text()) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    "2xx": number;
    non2xx: number;
    errors: number;
  };
  return {
    requestsPerSecond: Math.round(result.requests.average),
    ok: result["2xx"],
    errors: result.non2xx + result.errors,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

async function ordersSettled(shop: Shop) {
  const info = await shop.jsm.streams.info("ORDERS");
  return info.state.messages;
}

export async function benchHttp({ seconds = 15 } = {}) {
  const shop = await startBenchShop();
  try {
    const userId = await createUser(shop, `http-${Date.now()}@example.com`);
    await stockProduct(shop, "http-item", 100, 1_000_000);
    const body = JSON.stringify({
      userId,
      items: [{ sku: "http-item", quantity: 1 }],
      paymentMethod: "visa",
    });
    const first = await waitFor(
      async () => {
        const res = await shop.call("orders", "POST", "/orders", JSON.parse(body));
        return res.status === 202 ? (res.body.orderId as string) : undefined;
      },
      { message: "orders to know the user and the sku" },
    );
    await quiet(shop);

    const before = await ordersSettled(shop);
    const post = await autocannon(`${shop.services.orders.url}/orders`, {
      connections: 64,
      seconds,
      method: "POST",
      body,
    });
    // Each accepted order ends with two ORDERS events (placed, then confirmed or cancelled).
    const settleStarted = performance.now();
    await waitFor(
      async () => ((await ordersSettled(shop)) - before >= 2 * post.ok ? true : undefined),
      { timeoutMs: 600_000, intervalMs: 500, message: "every accepted order to settle" },
    );
    const settleSeconds = +((performance.now() - settleStarted) / 1000).toFixed(1);
    await quiet(shop);

    const orderUrl = `${shop.services.orders.url}/orders/${first}`;
    const orderJson = await (await fetch(orderUrl)).text();
    const get = await autocannon(orderUrl, { connections: 64, seconds });
    const bare = await bareServer(orderJson);
    try {
      const bareGet = await autocannon(bare.url, { connections: 64, seconds });
      return {
        postOrders: { connections: 64, ...post, allSettledAfterSeconds: settleSeconds },
        getOrder: {
          bytes: orderJson.length,
          service: get,
          bareBunServe: bareGet,
          ratio: +(get.requestsPerSecond / bareGet.requestsPerSecond).toFixed(2),
        },
      };
    } finally {
      bare.proc.kill();
      await bare.proc.exited;
    }
  } finally {
    await shop.stop();
  }
}

/** A bare `Bun.serve` in its own process answering `body` as JSON: the ceiling for a GET. */
async function bareServer(body: string) {
  const port = await getFreePort();
  const proc = Bun.spawn(
    [
      process.execPath,
      "-e",
      `const body = process.env.BODY; Bun.serve({ port: ${port}, hostname: "127.0.0.1", fetch: () => new Response(body, { headers: { "content-type": "application/json" } }) });`,
    ],
    { env: { ...process.env, BODY: body }, stdout: "ignore", stderr: "inherit" },
  );
  const url = `http://127.0.0.1:${port}/`;
  await waitFor(async () => (await fetch(url).catch(() => undefined))?.ok || undefined, {
    message: "the bare server",
  });
  return { proc, url };
}
