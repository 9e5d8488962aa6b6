import type { JetStreamManager } from "@nats-io/jetstream";
import { streams } from "@shop/shared/contracts";
import type { ChaosContext } from "./chaos-context.ts";
import {
  type BrokerFigures,
  checkConsumers,
  checkDeadLetters,
  checkReady,
} from "./check-broker.ts";
import { checkEffects } from "./check-effects.ts";
import { checkOrders } from "./check-orders.ts";
import { checkPayments, type GatewayCharge } from "./check-payments.ts";
import { checkReadModels } from "./check-read-models.ts";
import { checkStock, type ProductRow } from "./check-stock.ts";
import { type Facts, foldStreams } from "./fold.ts";
import type { StoredMessage, StreamCache } from "./stream-reader.ts";
import { createViolationLog, type ViolationLog } from "./violations.ts";

export interface CheckResult {
  violations: ViolationLog;
  facts: Facts;
  broker: BrokerFigures;
  streamMessages: Record<string, number>;
  undecodable: Record<string, number>;
}

const EVENT_STREAMS = [
  streams.users,
  streams.orders,
  streams.inventory,
  streams.payments,
  streams.notifications,
].map((s) => s.name);

async function getJson(url: string): Promise<any> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${url} → ${response.status}`);
  return response.json();
}

/** Reads every stream, folds it, and checks every invariant once, against the system as it is now. */
export async function checkAll(
  ctx: ChaosContext,
  broker: { cache: StreamCache; jsm: JetStreamManager },
  input: { users: readonly string[]; lastFaultEnd: number },
): Promise<CheckResult> {
  const violations = createViolationLog();
  const read: Record<string, StoredMessage[]> = {};
  for (const name of EVENT_STREAMS) read[name] = await broker.cache.read(name);
  const letters = await broker.cache.read(streams.deadLetter.name);
  const facts = foldStreams(read);
  checkOrders(
    {
      facts,
      accepted: ctx.accepted,
      lastFaultEnd: input.lastFaultEnd,
      terminalWithinMs: ctx.options.terminalWithinMs,
    },
    violations,
  );
  const charges: GatewayCharge[] | undefined = ctx.chaos.gatewayUrl
    ? (await getJson(`${ctx.chaos.gatewayUrl}/charges`)).charges
    : undefined;
  checkPayments(facts, ctx.accepted, charges, violations);
  const products: ProductRow[] = await getJson(`${ctx.urlOf("inventory")}/products`);
  checkStock(facts, products, violations);
  checkEffects(facts, ctx.failedCommands, ctx.accepted, violations);
  await checkReadModels(
    facts,
    {
      orders: ctx.urlOf("orders"),
      payments: ctx.urlOf("payments"),
      notifications: ctx.urlOf("notifications"),
      users: ctx.urlOf("users"),
    },
    input.users,
    violations,
  );
  const consumers = await checkConsumers(broker.jsm, violations);
  const deadLetters = checkDeadLetters(letters, read, violations);
  await checkReady(
    ctx.chaos.processes.map((p) => ({ name: p.name, url: p.handle.url })),
    violations,
  );
  const undecodable: Record<string, number> = {};
  for (const messages of Object.values(read))
    for (const m of messages) if (m.error) undecodable[m.error] = (undecodable[m.error] ?? 0) + 1;
  return {
    violations,
    facts,
    broker: { ...consumers, ...deadLetters },
    streamMessages: Object.fromEntries(
      [...Object.entries(read), [streams.deadLetter.name, letters] as const].map(([k, v]) => [
        k,
        v.length,
      ]),
    ),
    undecodable,
  };
}
