import {
  connectNats,
  createEventPublisher,
  createLogger,
  type EventEnvelope,
  type EventPublisher,
  encodeEvent,
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
  service: ServiceProcessHandle;
  client: NatsContext;
  publisher: EventPublisher;
  /** Calls the service's HTTP API with an optional JSON body; parses a JSON answer. */
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** Publishes an envelope on `subject` (its own subject by default). */
  publish(envelope: EventEnvelope, subject?: string): Promise<{ sequence: number }>;
  /** The same envelope again under another message id: past the broker's dedupe, as a redelivery arrives. */
  publishAgain(envelope: EventEnvelope, subject?: string): Promise<{ sequence: number }>;
  stop(): Promise<void>;
}

/**
 * Starts a nats-server, the service at `entry` (its `main.ts`) as a process with a temp
 * DATA_DIR and `env` over the defaults, and a publishing client. Cleans up what it started
 * if the service fails to become ready.
 */
export async function startServiceTestBed({
  name,
  entry,
  env = {},
}: {
  name: string;
  entry: string;
  env?: Record<string, string>;
}): Promise<ServiceTestBed> {
  const nats = await startNatsServer();
  const dataDir = createTempDir(`${name}-test`);
  const port = await getFreePort();
  const service = await startServiceProcess({
    name,
    entry,
    env: {
      NATS_URL: nats.url,
      PORT: String(port),
      DATA_DIR: dataDir.path,
      LOG_LEVEL: "warn",
      ...env,
    },
    port,
  }).catch(async (err: unknown) => {
    await nats.cleanup();
    await dataDir.cleanup();
    throw err;
  });
  const client = await connectNats({
    url: nats.url,
    name: `${name}-test`,
    logger: createLogger({ service: `${name}-test`, level: "silent" }),
  });
  const publisher = createEventPublisher({ js: client.js, source: "/test" });
  const subjectOf = (envelope: EventEnvelope, subject?: string) => {
    const target = subject ?? envelope.subject;
    if (!target)
      throw new Error(`no subject for ${envelope.type}: pass one or set envelope.subject`);
    return target;
  };
  return {
    nats,
    dataDir,
    service,
    client,
    publisher,
    api: (method, path, body) => requestJson(service.url, method, path, body),
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
      if (service.isRunning()) await service.stop();
      await nats.cleanup();
      await dataDir.cleanup();
    },
  };
}
