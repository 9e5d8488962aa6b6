import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect as connectOverNode } from "@nats-io/transport-node";
import type { Logger } from "../log/logger.ts";
import { connectOverBun } from "./bun-transport.ts";
import { isAtLeast, MINIMUM_NATS_SERVER } from "./server-version.ts";

/** A NATS connection with its JetStream handles and a live view of its state. */
export interface NatsContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  isConnected(): boolean;
  /** Flushes pending publishes and acks, then closes. */
  drain(): Promise<void>;
}

export interface ConnectOptions {
  url: string;
  name: string;
  logger: Logger;
  /** Milliseconds between reconnect attempts (client default 2000). */
  reconnectWaitMs?: number;
}

/**
 * Connects and keeps reconnecting forever: the client's default gives up after 10 tries,
 * which would leave a service running but deaf. Resolves once the first connection is made
 * (it waits for the server to come up rather than failing start-up). Rejects when the server
 * is older than MINIMUM_NATS_SERVER, naming both versions.
 */
export async function connectNats({
  url,
  name,
  logger,
  reconnectWaitMs = 500,
}: ConnectOptions): Promise<NatsContext> {
  const servers = url.split(",");
  // Bun's own sockets for plaintext; TLS goes through nats.js's Node transport.
  const connectOver = servers.some((s) => s.trim().startsWith("tls://"))
    ? connectOverNode
    : connectOverBun;
  const nc = await connectOver({
    servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: reconnectWaitMs,
    waitOnFirstConnect: true,
    // Every publish is a request (its ack); capturing a stack for each one was a few percent
    // of a consumer's CPU. A failed request still says what failed, without the caller's stack.
    noAsyncTraces: true,
  });
  const version = nc.info?.version ?? "unknown";
  if (!isAtLeast(version, MINIMUM_NATS_SERVER)) {
    await nc.close();
    throw new Error(
      `nats-server at ${nc.getServer()} is ${version}; this kit needs ${MINIMUM_NATS_SERVER} or newer ` +
        "(atomic batch publish, batch direct get). Point NATS_URL at a current server; `npm run dev` starts one.",
    );
  }
  let connected = true;
  logger.info({ server: nc.getServer(), version }, "connected to NATS");
  (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        connected = false;
        logger.warn({ server: status.server }, "disconnected from NATS");
      } else if (status.type === "reconnect") {
        connected = true;
        logger.info({ server: status.server }, "reconnected to NATS");
      } else if (status.type === "error") {
        logger.error({ err: status.error }, "NATS error");
      }
    }
  })().catch((err) => logger.error({ err }, "NATS status watcher stopped"));
  nc.closed().then((err) => {
    connected = false;
    if (err) logger.error({ err }, "NATS connection closed with an error");
  });
  return {
    nc,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    isConnected: () => connected && !nc.isClosed(),
    drain: async () => {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}
