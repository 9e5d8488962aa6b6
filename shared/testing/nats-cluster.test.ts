import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type NatsClusterHandle, startNatsCluster } from "./nats-cluster";
import { waitFor } from "./wait-until";

setDefaultTimeout(30_000);

const STREAM = "CLUSTERED";

let cluster: NatsClusterHandle;
let nc: NatsConnection;

beforeAll(async () => {
  cluster = await startNatsCluster({ size: 3 });
  nc = await connect({ servers: cluster.urls, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
});

afterAll(async () => {
  await nc?.close();
  await cluster?.cleanup();
});

test("keeps accepting publishes to an R3 stream after its leader node is killed", async () => {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: STREAM,
    subjects: ["clustered.>"],
    storage: StorageType.File,
    num_replicas: 3,
  });
  const js = jetstream(nc, { timeout: 2_000 });
  expect((await js.publish("clustered.one", "1")).seq).toBe(1);

  const leaderName = (await jsm.streams.info(STREAM)).cluster?.leader;
  const leader = cluster.nodes.find((node) => node.serverName === leaderName);
  if (leader === undefined) throw new Error(`no node named ${leaderName}`);
  await leader.kill();

  const ack = await waitFor(() => js.publish("clustered.two", "2", { msgID: "two" }), {
    timeoutMs: 20_000,
    intervalMs: 250,
    message: "a publish after the stream leader died",
  });
  expect(ack.seq).toBe(2);

  await leader.restart();
  await cluster.waitForMetaLeader();
  const info = await waitFor(
    async () => {
      const current = await jsm.streams.info(STREAM);
      const replicas = current.cluster?.replicas ?? [];
      return replicas.length === 2 && replicas.every((replica) => replica.current)
        ? current
        : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 250, message: "all three replicas to be current again" },
  );
  expect(info.state.messages).toBe(2);
});
