import { jetstreamManager } from "@nats-io/jetstream";
import { SERVICE_NAMES, type Shop, startShop } from "../../tests/e2e/shop-harness.ts";
import { buildBundles } from "../lib/bundles.ts";
import { bundleEntry, CARD_GATEWAY, PRODUCTION_ENV, type ServiceName } from "../lib/services.ts";
import { findPid } from "./process-stats.ts";

/**
 * The shop as `npm start` runs it (each process from its bundle, built first; production settings,
 * JSON logs), on a monitored nats-server.
 */
export async function startBenchShop(only: readonly ServiceName[] = SERVICE_NAMES): Promise<Shop> {
  await buildBundles({ names: [...only, CARD_GATEWAY.name] });
  return startShop({ all: { ...PRODUCTION_ENV } }, only, {
    nats: { monitor: true },
    entry: bundleEntry,
  });
}

/** Every process the shop runs, by name, with nats-server and the card gateway among them. */
export function shopPids(shop: Shop): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const [name, service] of Object.entries(shop.services)) pids[name] = service.pid;
  pids["card-gateway"] = shop.cardGateway.pid;
  const nats = findPid("-p", String(shop.nats.port));
  if (nats !== undefined) pids["nats-server"] = nats;
  return pids;
}

/** nats-server's message counters (/varz): every message in and out, acks and API calls included. */
export async function brokerMessages(shop: Shop): Promise<number> {
  const varz = (await (await fetch(`${shop.nats.monitorUrl}/varz`)).json()) as {
    in_msgs: number;
    out_msgs: number;
  };
  return varz.in_msgs + varz.out_msgs;
}

/** Consumers on the server, over every stream. */
export async function consumerCount(shop: Shop): Promise<number> {
  const jsm = await jetstreamManager(shop.nc);
  let total = 0;
  for await (const stream of jsm.streams.list()) total += stream.state.consumer_count;
  return total;
}

/** Messages stored over every stream. */
export async function storedMessages(shop: Shop): Promise<number> {
  let total = 0;
  for await (const stream of shop.jsm.streams.list()) total += stream.state.messages;
  return total;
}

/** Resolves once every durable consumer has nothing pending or unacked, twice in a row. */
export async function quiet(shop: Shop, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let calm = 0;
  while (calm < 2) {
    if (Date.now() > deadline) throw new Error("the shop did not go quiet");
    let busy = 0;
    for await (const stream of shop.jsm.streams.list()) {
      for await (const info of shop.jsm.consumers.list(stream.config.name)) {
        if (info.config.durable_name) busy += info.num_pending + info.num_ack_pending;
      }
    }
    calm = busy === 0 ? calm + 1 : 0;
    await Bun.sleep(500);
  }
}
