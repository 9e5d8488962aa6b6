import { afterAll, beforeAll } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import {
  createTempDir,
  getFreePort,
  type NatsServerHandle,
  type NatsServerOptions,
  requestJson,
  type ServiceProcessHandle,
  startNatsServer,
  startServiceProcess,
  type TempDir,
  waitFor,
} from "@shop/shared/testing";
import {
  CARD_GATEWAY,
  SERVICES,
  type ServiceName,
  sourceEntry,
} from "../../scripts/lib/services.ts";

export const SERVICE_NAMES = SERVICES.map((s) => s.name);
export type { ServiceName };

export interface Shop {
  nats: NatsServerHandle;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  data: TempDir;
  services: Record<ServiceName, ServiceProcessHandle>;
  /** The card gateway payments charges through (its ledger is in `data`); see CARD_GATEWAY. */
  cardGateway: ServiceProcessHandle;
  /** Every process of each service started: `[0]` is `services[name]`; see `replicas` in `startShop`. */
  replicas: Record<ServiceName, ServiceProcessHandle[]>;
  call<T = any>(
    service: ServiceName,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** As `call`, on process `index` of the service (0 is `services[service]`). */
  callAt<T = any>(
    service: ServiceName,
    index: number,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/**
 * The whole shop as in production: a harness nats-server, and each service as its own
 * process on a free port with its SQLite file in a temp folder. `replicas` runs more than one
 * process of a service (each with its own port and data folder, all sharing the broker's
 * durable consumers), as a scaled-out deployment does. `entry` names the file each process runs:
 * its source by default, its bundle for the benchmarks (see bundleEntry).
 */
export async function startShop(
  env: Partial<Record<ServiceName | "all" | typeof CARD_GATEWAY.name, Record<string, string>>> = {},
  only: readonly ServiceName[] = SERVICE_NAMES,
  options: {
    nats?: NatsServerOptions;
    replicas?: Partial<Record<ServiceName, number>>;
    entry?: (name: ServiceName | typeof CARD_GATEWAY.name) => string;
  } = {},
): Promise<Shop> {
  const entry = options.entry ?? sourceEntry;
  const nats = await startNatsServer(options.nats);
  const data = createTempDir("shop-e2e-");
  const nc = await connect({ servers: nats.url });
  // The card processor is up before payments charges; every payments process shares it.
  const gatewayPort = await getFreePort();
  const cardGateway = await startServiceProcess({
    name: CARD_GATEWAY.name,
    entry: entry(CARD_GATEWAY.name),
    port: gatewayPort,
    env: {
      PORT: String(gatewayPort),
      DATA_DIR: data.path,
      LOG_LEVEL: "warn",
      ...env.all,
      ...env[CARD_GATEWAY.name],
    },
  }).catch(async (err) => {
    await nc.close();
    await nats.cleanup();
    data.cleanup();
    throw err;
  });
  const services = {} as Record<ServiceName, ServiceProcessHandle>;
  const replicas = Object.fromEntries(only.map((name) => [name, []])) as unknown as Record<
    ServiceName,
    ServiceProcessHandle[]
  >;
  const startReplica = async (name: ServiceName, index: number) => {
    const port = await getFreePort();
    const dataDir = index === 0 ? data.path : join(data.path, `${name}-${index}`);
    mkdirSync(dataDir, { recursive: true });
    const started = await startServiceProcess({
      name: index === 0 ? name : `${name}#${index}`,
      entry: entry(name),
      port,
      env: {
        NATS_URL: nats.url,
        PORT: String(port),
        DATA_DIR: dataDir,
        LOG_LEVEL: "warn",
        PAYMENT_GATEWAY_URL: cardGateway.url,
        ...env.all,
        ...env[name],
      },
    });
    replicas[name][index] = started;
    if (index === 0) services[name] = started;
  };
  try {
    // Settled, not raced: a process still starting when another fails is stopped below too.
    const outcomes = await Promise.allSettled(
      only.flatMap((name) =>
        Array.from({ length: options.replicas?.[name] ?? 1 }, (_, index) =>
          startReplica(name, index),
        ),
      ),
    );
    const failed = outcomes.find(
      (outcome): outcome is PromiseRejectedResult => outcome.status === "rejected",
    );
    if (failed) throw failed.reason;
  } catch (err) {
    await Promise.all(Object.values(replicas).flatMap((all) => all.map((s) => s.kill())));
    await cardGateway.kill();
    await nc.close();
    await nats.cleanup();
    data.cleanup();
    throw err;
  }
  return {
    nats,
    nc,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    data,
    services,
    cardGateway,
    replicas,
    call: (service, method, path, body) => requestJson(services[service].url, method, path, body),
    callAt(service, index, method, path, body) {
      const replica = replicas[service]?.[index];
      if (!replica) throw new Error(`no process ${index} of ${service} in this shop`);
      return requestJson(replica.url, method, path, body);
    },
    async stop() {
      await Promise.all(
        Object.values(replicas).flatMap((all) =>
          all.map((s) => (s.isRunning() ? s.stop() : undefined)),
        ),
      );
      if (cardGateway.isRunning()) await cardGateway.stop();
      await nc.close();
      await nats.cleanup();
      data.cleanup();
    },
  };
}

/**
 * Starts the shop before this file's tests and stops it after them. The returned handle
 * forwards to the running shop, so tests use it as a `Shop`.
 */
export function useShop(...args: Parameters<typeof startShop>): Shop {
  let shop: Shop | undefined;
  beforeAll(async () => {
    shop = await startShop(...args);
  });
  afterAll(async () => {
    await shop?.stop();
  });
  return new Proxy({} as Shop, {
    get(_target, property) {
      if (!shop) throw new Error("the shop is not started yet: use it inside a test or hook");
      return Reflect.get(shop, property);
    },
  });
}

/** Every message in a stream, decoded as JSON (structured CloudEvents), in order. */
export async function readStream(
  shop: Shop,
  stream: string,
): Promise<{ subject: string; seq: number; event: any }[]> {
  const info = await shop.jsm.streams.info(stream);
  const last = info.state.last_seq;
  if (info.state.messages === 0) return [];
  const consumer = await shop.js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const out: { subject: string; seq: number; event: any }[] = [];
  const messages = await consumer.consume();
  for await (const m of messages) {
    out.push({
      subject: m.subject,
      seq: m.seq,
      event: JSON.parse(new TextDecoder().decode(m.data)),
    });
    if (m.seq >= last) break;
  }
  await messages.close();
  return out;
}

export async function createUser(shop: Shop, email: string, name = "Test User"): Promise<string> {
  const { status, body } = await shop.call("users", "POST", "/users", { email, name });
  if (status !== 201) throw new Error(`POST /users → ${status} ${JSON.stringify(body)}`);
  return body.id;
}

export async function stockProduct(shop: Shop, sku: string, priceCents: number, quantity: number) {
  const defined = await shop.call("inventory", "PUT", `/products/${sku}`, {
    name: sku,
    priceCents,
  });
  if (defined.status !== 200)
    throw new Error(`PUT /products/${sku} → ${defined.status} ${JSON.stringify(defined.body)}`);
  if (quantity > 0) {
    const restocked = await shop.call("inventory", "POST", `/products/${sku}/restock`, {
      quantity,
    });
    if (restocked.status !== 200)
      throw new Error(`restock ${sku} → ${restocked.status} ${JSON.stringify(restocked.body)}`);
  }
}

/**
 * Places an order (through orders process `ordersProcess`, the first by default), retrying
 * while orders has not yet learned the user or the SKUs from their streams (its read models
 * are eventually consistent, as a client would see them).
 */
export async function placeOrder(
  shop: Shop,
  userId: string,
  items: { sku: string; quantity: number }[],
  paymentMethod = "visa",
  ordersProcess = 0,
) {
  return waitFor(
    async () => {
      const { status, body } = await shop.callAt("orders", ordersProcess, "POST", "/orders", {
        userId,
        items,
        paymentMethod,
      });
      if (status === 202) return body.orderId as string;
      if (
        status === 422 &&
        (body.code === "order.unknown-user" || body.code === "order.unknown-sku")
      )
        return undefined;
      throw new Error(`POST /orders → ${status} ${JSON.stringify(body)}`);
    },
    { timeoutMs: 10_000, message: "orders to accept the order" },
  );
}

/**
 * Polls an order until it is confirmed or cancelled, and returns it. Only a 200 is an answer: an
 * order placed through another orders process reads as 404 here until this one has projected it.
 */
export async function settledOrder(shop: Shop, orderId: string, timeoutMs = 15_000) {
  return waitFor(
    async () => {
      const { status, body } = await shop.call("orders", "GET", `/orders/${orderId}`);
      return status !== 200 || body.status === "pending" ? undefined : body;
    },
    { timeoutMs, message: `order ${orderId} to settle` },
  );
}
