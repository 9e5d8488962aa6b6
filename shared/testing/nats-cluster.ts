import { join } from "node:path";
import { getFreePort } from "./free-port";
import { type NatsServerHandle, startNatsServer } from "./nats-server";
import { createTempDir } from "./temp-dir";
import { waitUntil } from "./wait-until";

export interface NatsClusterOptions {
  /** Number of nodes. Default 3 (the smallest cluster that keeps an R3 stream writable with one node down). */
  size?: number;
  /** How long to wait for every node and a JetStream meta leader. Default 20 000 ms. */
  timeoutMs?: number;
}

/** A JetStream cluster on loopback; every node is a NatsServerHandle that can be killed and restarted alone. */
export interface NatsClusterHandle {
  /** Client URLs, one per node, in node order. */
  readonly urls: string[];
  readonly nodes: NatsServerHandle[];
  /**
   * Resolves once every running node names the same JetStream meta leader and sees the full
   * cluster; call it after restarting a node. Throws on timeout (default 20 000 ms).
   */
  waitForMetaLeader(options?: { timeoutMs?: number }): Promise<string>;
  /** Stops every node (SIGTERM), keeping the stores. */
  stop(): Promise<void>;
  /** Stops every node and removes all stores and configs. */
  cleanup(): Promise<void>;
}

interface JszMetaCluster {
  leader?: string;
  cluster_size?: number;
}

/**
 * Starts `size` nats-server nodes (server names n1..nN) on 127.0.0.1 with their own client and
 * route ports, JetStream with a temp store each and monitoring on, routed to each other through
 * a config file; resolves when a JetStream meta leader is elected. Rejects with the failing
 * node's log tail; nodes already started are cleaned up first.
 */
export async function startNatsCluster(
  options: NatsClusterOptions = {},
): Promise<NatsClusterHandle> {
  // Another process may take one of the ports between our pick and the bind: start afresh.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(options);
    } catch (err) {
      const portTaken = err instanceof Error && /address already in use/i.test(err.message);
      if (!portTaken || attempt >= 3) throw err;
    }
  }
}

async function startClusterOnce({
  size = 3,
  timeoutMs = 20_000,
}: NatsClusterOptions): Promise<NatsClusterHandle> {
  const root = createTempDir("nats-cluster");
  const clusterName = `test-${process.pid}-${Date.now().toString(36)}`;
  const clientPorts = await Promise.all(Array.from({ length: size }, getFreePort));
  const routePorts = await Promise.all(Array.from({ length: size }, getFreePort));

  const configFor = (index: number) => {
    const routes = routePorts
      .filter((_, other) => other !== index)
      .map((port) => `    "nats-route://127.0.0.1:${port}"`)
      .join("\n");
    return `cluster {\n  name: "${clusterName}"\n  listen: "127.0.0.1:${routePorts[index]}"\n  routes: [\n${routes}\n  ]\n}\n`;
  };

  const started = await Promise.allSettled(
    clientPorts.map((port, index) =>
      startNatsServer({
        port,
        serverName: `n${index + 1}`,
        storeDir: join(root.path, `n${index + 1}`),
        config: configFor(index),
        monitor: true,
        timeoutMs,
      }),
    ),
  );
  const nodes = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const cleanup = async () => {
    await Promise.all(nodes.map((node) => node.cleanup()));
    await root.cleanup();
  };
  const failure = started.find((result) => result.status === "rejected");
  if (failure !== undefined) {
    await cleanup();
    throw failure.reason;
  }

  const cluster: NatsClusterHandle = {
    urls: nodes.map((node) => node.url),
    nodes,
    waitForMetaLeader: ({ timeoutMs: waitMs = timeoutMs } = {}) =>
      waitForMetaLeader(nodes, size, waitMs),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
    cleanup,
  };
  try {
    await cluster.waitForMetaLeader();
  } catch (error) {
    const logs = nodes
      .map((node) => `--- ${node.serverName} ---\n${node.logs().slice(-15).join("\n")}`)
      .join("\n");
    await cleanup();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`, {
      cause: error,
    });
  }
  return cluster;
}

async function waitForMetaLeader(
  nodes: NatsServerHandle[],
  size: number,
  timeoutMs: number,
): Promise<string> {
  let leader = "";
  await waitUntil(
    async () => {
      const running = nodes.filter((node) => node.isRunning());
      const metas = await Promise.all(running.map(readMetaCluster));
      const leaders = new Set(metas.map((meta) => meta.leader ?? ""));
      const [only] = leaders;
      if (leaders.size !== 1 || !only) return false;
      if (!metas.every((meta) => meta.cluster_size === size)) return false;
      leader = only;
      return true;
    },
    {
      timeoutMs,
      intervalMs: 100,
      message: "a JetStream meta leader that every running node agrees on",
    },
  );
  return leader;
}

async function readMetaCluster(node: NatsServerHandle): Promise<JszMetaCluster> {
  const response = await fetch(`${node.monitorUrl}/jsz`);
  if (!response.ok) throw new Error(`${node.monitorUrl}/jsz answered ${response.status}`);
  const body = (await response.json()) as { meta_cluster?: JszMetaCluster };
  return body.meta_cluster ?? {};
}
