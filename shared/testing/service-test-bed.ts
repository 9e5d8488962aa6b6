import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  connectNats,
  createEventPublisher,
  createLogger,
  type EventEnvelope,
  type EventPublisher,
  encodeEvent,
  eventSubject,
  type NatsContext,
} from "../kit/index.ts";
import { getFreePort } from "./free-port";
import { type NatsServerHandle, startNatsServer } from "./nats-server";
import { requestJson } from "./request-json";
import { type ServiceProcessHandle, startServiceProcess } from "./service-process";
import { createTempDir, type TempDir } from "./temp-dir";

/** One service as a real process against its own nats-server, and a client to drive it. */
export interface ServiceTestBed {
  nats: NatsServerHandle;
  dataDir: TempDir;
  /** The first (or only) replica. */
  service: ServiceProcessHandle;
  /** Every process of the service, all on the same broker and durable consumers; `[0]` is `service`. */
  replicas: ServiceProcessHandle[];
  client: NatsContext;
  publisher: EventPublisher;
  /** Calls the service's HTTP API with an optional JSON body; parses a JSON answer. */
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** As `api`, on replica `index` (0 is `service`). */
  apiAt<T = unknown>(
    index: number,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** Publishes an envelope about the aggregate `subject` (its own subject by default), on `<subject>.<type>` as the services do. */
  publish(envelope: EventEnvelope, subject?: string): Promise<{ sequence: number }>;
  /** The same envelope again under another message id: past the broker's dedupe, as a redelivery arrives. */
  publishAgain(envelope: EventEnvelope, subject?: string): Promise<{ sequence: number }>;
  stop(): Promise<void>;
}

/**
 * Starts a nats-server, the service at `entry` (its `main.ts`) as a process with a temp
 * DATA_DIR and `env` over the defaults, and a publishing client. With `replicas` (default 1)
 * it starts that many processes of the service at once, each with its own port and DATA_DIR
 * (the first uses the bed's `dataDir` itself) and all sharing the broker, its streams and its
 * durable consumers, as a scaled-out deployment does. Cleans up what it started if a process
 * fails to become ready.
 */
export async function startServiceTestBed({
  name,
  entry,
  env = {},
  replicas: count = 1,
}: {
  name: string;
  entry: string;
  env?: Record<string, string>;
  replicas?: number;
}): Promise<ServiceTestBed> {
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`replicas must be a positive integer, got ${count}`);
  const nats = await startNatsServer();
  const dataDir = createTempDir(`${name}-test`);
  const startReplica = async (index: number) => {
    const port = await getFreePort();
    const dir = index === 0 ? dataDir.path : join(dataDir.path, `replica-${index}`);
    mkdirSync(dir, { recursive: true });
    return startServiceProcess({
      name: count === 1 ? name : `${name}#${index}`,
      entry,
      env: { NATS_URL: nats.url, PORT: String(port), DATA_DIR: dir, LOG_LEVEL: "warn", ...env },
      port,
    });
  };
  // Settled, not raced: a replica still starting when another fails is stopped too.
  const outcomes = await Promise.allSettled(
    Array.from({ length: count }, (_, index) => startReplica(index)),
  );
  const failed = outcomes.find(
    (outcome): outcome is PromiseRejectedResult => outcome.status === "rejected",
  );
  if (failed) {
    await Promise.all(
      outcomes.map((outcome) => outcome.status === "fulfilled" && outcome.value.kill()),
    );
    await nats.cleanup();
    await dataDir.cleanup();
    throw failed.reason;
  }
  const replicas = outcomes.map(
    (outcome) => (outcome as PromiseFulfilledResult<ServiceProcessHandle>).value,
  );
  const service = replicas[0] as ServiceProcessHandle;
  const client = await connectNats({
    url: nats.url,
    name: `${name}-test`,
    logger: createLogger({ service: `${name}-test`, level: "silent" }),
  });
  const publisher = createEventPublisher({ js: client.js, source: "/test" });
  // Stored where the services publish it: the aggregate's subject followed by the type.
  const subjectOf = (envelope: EventEnvelope, subject?: string) => {
    const target = subject ?? envelope.subject;
    if (!target)
      throw new Error(`no subject for ${envelope.type}: pass one or set envelope.subject`);
    return eventSubject(target, envelope.type);
  };
  return {
    nats,
    dataDir,
    service,
    replicas,
    client,
    publisher,
    api: (method, path, body) => requestJson(service.url, method, path, body),
    apiAt(index, method, path, body) {
      const replica = replicas[index];
      if (!replica) throw new Error(`no replica ${index}: the bed runs ${replicas.length}`);
      return requestJson(replica.url, method, path, body);
    },
    async publish(envelope, subject) {
      const { sequence } = await publisher.publish(subjectOf(envelope, subject), envelope);
      return { sequence };
    },
    async publishAgain(envelope, subject) {
      const { payload, headers } = encodeEvent(envelope);
      const ack = await client.js.publish(subjectOf(envelope, subject), payload, {
        headers,
        msgID: `${envelope.id}-again-${crypto.randomUUID()}`,
      });
      return { sequence: ack.seq };
    },
    async stop() {
      await client.drain();
      await Promise.all(replicas.map((replica) => replica.isRunning() && replica.stop()));
      await nats.cleanup();
      await dataDir.cleanup();
    },
  };
}
