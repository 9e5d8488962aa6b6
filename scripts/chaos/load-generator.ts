import type { AcceptedOrder, ChaosContext, OrderIntent } from "./chaos-context.ts";
import { sendCommand } from "./command-sender.ts";
import type { Random } from "./random.ts";
import type { Catalog } from "./setup-catalog.ts";

/** The realistic mix: most orders are paid, some cards are declined, some shelves are empty, some customers change their mind. */
const MIX: Record<"paid" | "declined" | "out-of-stock" | "customer-cancel", number> = {
  paid: 60,
  declined: 15,
  "out-of-stock": 10,
  "customer-cancel": 15,
};
const NOT_YET = ["order.unknown-user", "order.unknown-sku"] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function orderFor(intent: OrderIntent, catalog: Catalog, random: Random) {
  const ample = () => ({ sku: random.pick(catalog.skus), quantity: random.int(1, 3) });
  if (intent === "canary")
    return { items: [{ sku: catalog.canarySku, quantity: 1 }], method: "visa" };
  if (intent === "out-of-stock") {
    // More than the scarce sku ever holds, sometimes beside an ample line: nothing may be held.
    const scarce = { sku: catalog.scarceSku, quantity: catalog.scarceUnits + random.int(1, 20) };
    return { items: random.chance(0.5) ? [ample(), scarce] : [scarce], method: "visa" };
  }
  const items = random.chance(0.5) ? [ample(), ample()] : [ample()];
  if (intent === "declined")
    return { items, method: random.pick(["card_declined", "4000000000000002"]) };
  return { items, method: "visa" };
}

/** Places one order the way a careful client does (Idempotency-Key, retries) and records it if accepted. */
export async function placeOrder(
  ctx: ChaosContext,
  catalog: Catalog,
  random: Random,
  intent: OrderIntent,
  userId: string,
  key: string,
): Promise<AcceptedOrder | undefined> {
  const { items, method } = orderFor(intent, catalog, random);
  const answer = await sendCommand(
    ctx,
    {
      service: "orders",
      method: "POST",
      path: "/orders",
      body: { userId, items, paymentMethod: method },
      idempotencyKey: key,
      label: key,
    },
    { retry: true, notYetCodes: NOT_YET },
  );
  if (!answer) return undefined;
  if (answer.status !== 202) {
    ctx.violations.add(
      "order-accepted",
      key,
      `POST /orders → ${answer.status} ${answer.text.slice(0, 300)}`,
    );
    return undefined;
  }
  const order: AcceptedOrder = {
    orderId: answer.json.orderId,
    intent,
    userId,
    totalCents: answer.json.totalCents,
    acceptedAt: Date.now(),
  };
  ctx.accepted.set(order.orderId, order);
  return order;
}

async function cancelLater(ctx: ChaosContext, order: AcceptedOrder, key: string, random: Random) {
  await sleep(random.int(0, 400));
  const answer = await sendCommand(
    ctx,
    {
      service: "orders",
      method: "POST",
      path: `/orders/${order.orderId}/cancel`,
      idempotencyKey: `${key}.cancel`,
      label: `${key}.cancel`,
    },
    { retry: true },
  );
  if (!answer) return;
  order.cancel = { status: answer.status, code: answer.json?.code };
  // 200/202: cancelled; 409: settled first. A 404 means orders lost an order it accepted.
  if (![200, 202, 409].includes(answer.status))
    ctx.violations.add(
      "cancel-answer",
      order.orderId,
      `POST /orders/${order.orderId}/cancel → ${answer.status} ${answer.text.slice(0, 300)}`,
    );
}

/** Waits while the orders accepted so far are ahead of the pace (see ChaosContext.ordersPerSecond). */
async function keepPace(ctx: ChaosContext, started: number) {
  for (;;) {
    const dueAt = started + (ctx.progress.accepted() / ctx.ordersPerSecond) * 1_000;
    if (Date.now() >= dueAt || ctx.overTime()) return;
    await sleep(Math.min(250, dueAt - Date.now()));
  }
}

async function runClient(ctx: ChaosContext, catalog: Catalog, client: number, started: number) {
  const random = ctx.random.fork(`client-${client}`);
  const users = catalog.users.filter((_, i) => i % ctx.options.clients === client);
  const pending: Promise<void>[] = [];
  const targetMet = () => ctx.progress.accepted() >= ctx.progress.target;
  // Past the target, one client keeps a trickle (2 orders/s) going until the last fault is over.
  const more = () => !targetMet() || (!ctx.faultsDone && client === 0);
  for (let n = 0; more() && !ctx.overTime(); n++) {
    if (targetMet()) await sleep(500);
    else await keepPace(ctx, started);
    const intent = random.weighted(MIX);
    const key = `chaos-${ctx.options.seed}-c${client}-${n}`;
    const order = await placeOrder(ctx, catalog, random, intent, random.pick(users), key);
    if (!order) continue;
    ctx.progress.advance();
    if (ctx.progress.accepted() >= ctx.progress.target) ctx.progress.finish();
    if (intent === "customer-cancel") pending.push(cancelLater(ctx, order, key, random));
  }
  await Promise.all(pending);
}

/**
 * Tops the ample skus up each tenth of the way, then every 5 s while the load outlives its
 * target. A restock has no idempotency key, so it is never resent.
 */
async function runMerchant(ctx: ChaosContext, catalog: Catalog, loadDone: () => boolean) {
  const topUp = (step: number) =>
    Promise.all(
      catalog.skus.map((sku) =>
        sendCommand(
          ctx,
          {
            service: "inventory",
            method: "POST",
            path: `/products/${sku}/restock`,
            body: { quantity: catalog.topUpUnits },
            label: `topup-${step}-${sku}`,
          },
          { retry: false },
        ),
      ),
    );
  let step = 1;
  for (; step < 10 && !loadDone() && !ctx.progress.finished(); step++) {
    await ctx.progress.reach(step / 10);
    if (!loadDone()) await topUp(step);
  }
  while (!loadDone()) {
    await sleep(5_000);
    if (!loadDone()) await topUp(step++);
  }
}

/**
 * Runs every client until the target of accepted orders is met, then one client at a trickle
 * until every fault was injected (or time is up), so that no fault lands on an idle shop.
 */
export async function runLoad(ctx: ChaosContext, catalog: Catalog): Promise<void> {
  let done = false;
  const started = Date.now();
  const merchant = runMerchant(ctx, catalog, () => done);
  await Promise.all(
    Array.from({ length: ctx.options.clients }, (_, client) =>
      runClient(ctx, catalog, client, started),
    ),
  );
  done = true;
  ctx.progress.finish();
  await merchant;
}

/** Orders placed after the last fault and fuzz message: each must be confirmed (nothing is wedged). */
export async function placeCanaries(ctx: ChaosContext, catalog: Catalog): Promise<AcceptedOrder[]> {
  const random = ctx.random.fork("canaries");
  const placed: AcceptedOrder[] = [];
  for (let i = 0; i < ctx.options.canaries; i++) {
    const key = `chaos-${ctx.options.seed}-canary-${i}`;
    const userId = catalog.users.at(-1) as string;
    const order = await placeOrder(ctx, catalog, random, "canary", userId, key);
    if (order) placed.push(order);
  }
  return placed;
}
