/**
 * `npm run demo`: seeds users and products, places a mix of orders (success, out of stock,
 * declined, over the payment limit, cancelled by the customer) and prints each order's
 * outcome and timeline. Uses the running shop (`npm run dev`), or starts one for the run.
 */
import { join } from "node:path";
import { ROOT, SERVICES, type ServiceName, serviceUrl } from "./lib/services.ts";

type Json = Record<string, any>;

async function call(
  service: ServiceName,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${serviceUrl(service)}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

const isReady = async (service: ServiceName) =>
  fetch(`${serviceUrl(service)}/health/ready`).then(
    (r) => r.ok,
    () => false,
  );

async function ensureShopRunning(): Promise<(() => Promise<void>) | undefined> {
  const ready = await Promise.all(SERVICES.map((s) => isReady(s.name)));
  if (ready.every(Boolean)) return undefined;
  console.log(
    "the shop is not running; starting it for this demo (npm run dev keeps it running)...",
  );
  const dev = Bun.spawn([process.execPath, join(ROOT, "scripts", "dev.ts")], {
    env: { ...process.env, LOG_LEVEL: "warn" },
    stdout: "ignore",
    stderr: "inherit",
  });
  const deadline = Date.now() + 30_000;
  while (!(await Promise.all(SERVICES.map((s) => isReady(s.name)))).every(Boolean)) {
    if (Date.now() > deadline || dev.exitCode !== null)
      throw new Error("the shop did not become ready within 30 s");
    await Bun.sleep(200);
  }
  return async () => {
    dev.kill("SIGTERM");
    await dev.exited;
  };
}

async function expectOk(what: string, result: Promise<{ status: number; body: Json }>) {
  const { status, body } = await result;
  if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Orders learns users and prices from events: retry briefly while it catches up. */
async function placeOrder(
  userId: string,
  items: { sku: string; quantity: number }[],
  paymentMethod: string,
) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { status, body } = await call("orders", "POST", "/orders", {
      userId,
      items,
      paymentMethod,
    });
    if (status === 202) return body.orderId as string;
    if (status !== 422 || !["order.unknown-user", "order.unknown-sku"].includes(body.code))
      throw new Error(`place order: ${status} ${JSON.stringify(body)}`);
    await Bun.sleep(100);
  }
  throw new Error("orders never learned the user or the products");
}

/** Waits until the order is settled and its timeline has stopped growing (compensation included). */
async function settled(orderId: string) {
  let last: Json = {};
  let stableSince = Date.now();
  for (let attempt = 0; attempt < 100; attempt++) {
    const { body } = await call("orders", "GET", `/orders/${orderId}`);
    if (body.history?.length !== last.history?.length) stableSince = Date.now();
    last = body;
    if (body.status !== "pending" && Date.now() - stableSince >= 300) return body;
    await Bun.sleep(100);
  }
  return last;
}

const stopShop = await ensureShopRunning();
try {
  const run = Date.now().toString(36);
  const sku = (name: string) => `${name}-${run}`;
  console.log(`\nseeding (run ${run})`);
  const alice = await expectOk(
    "register alice",
    call("users", "POST", "/users", { email: `alice+${run}@example.com`, name: "Alice" }),
  );
  const bob = await expectOk(
    "register bob",
    call("users", "POST", "/users", { email: `bob+${run}@example.com`, name: "Bob" }),
  );
  for (const [name, priceCents, quantity] of [
    ["tea", 450, 100],
    ["rare-vinyl", 9_900, 1],
    ["piano", 250_000, 3],
  ] as const) {
    await expectOk(
      `define ${name}`,
      call("inventory", "PUT", `/products/${sku(name)}`, { name, priceCents }),
    );
    await expectOk(
      `restock ${name}`,
      call("inventory", "POST", `/products/${sku(name)}/restock`, { quantity }),
    );
  }

  const scenarios: {
    title: string;
    place: () => Promise<string>;
    afterPlacing?: (orderId: string) => Promise<void>;
  }[] = [
    {
      title: "paid order, in stock",
      place: () => placeOrder(alice.id, [{ sku: sku("tea"), quantity: 2 }], "visa"),
    },
    {
      title: "more than the stock",
      place: () => placeOrder(bob.id, [{ sku: sku("rare-vinyl"), quantity: 2 }], "visa"),
    },
    {
      title: "declined card",
      place: () => placeOrder(bob.id, [{ sku: sku("tea"), quantity: 1 }], "card_declined"),
    },
    {
      title: "over the payment limit",
      place: () => placeOrder(alice.id, [{ sku: sku("piano"), quantity: 1 }], "visa"),
    },
    {
      title: "cancelled by the customer right away",
      place: () => placeOrder(alice.id, [{ sku: sku("tea"), quantity: 1 }], "visa"),
      afterPlacing: async (orderId) => {
        const { status, body } = await call("orders", "POST", `/orders/${orderId}/cancel`);
        if (status !== 200)
          console.log(`  (cancel answered ${status} ${body.code}: the saga was faster)`);
      },
    },
  ];

  for (const scenario of scenarios) {
    const orderId = await scenario.place();
    await scenario.afterPlacing?.(orderId);
    const order = await settled(orderId);
    const outcome = order.status === "cancelled" ? `cancelled (${order.reason})` : order.status;
    console.log(
      `\n${scenario.title}: order ${orderId} → ${outcome}, total ${(order.totalCents / 100).toFixed(2)}`,
    );
    const started = new Date(order.history[0]?.time ?? order.placedAt).getTime();
    for (const step of order.history) {
      const ms = new Date(step.time).getTime() - started;
      console.log(`  +${String(ms).padStart(5)} ms  ${step.type.padEnd(18)} ${step.detail ?? ""}`);
    }
  }
  const tea = (await call("inventory", "GET", `/products/${sku("tea")}`)).body;
  console.log(
    `\n${sku("tea")}: ${tea.available} available, ${tea.reserved} reserved, ${tea.sold} sold`,
  );
  const notes = (await call("notifications", "GET", `/notifications?userId=${alice.id}`)).body;
  console.log(
    `alice's notifications so far: ${JSON.stringify(notes.notifications?.map((n: Json) => n.template) ?? notes)}`,
  );
} finally {
  await stopShop?.();
}
