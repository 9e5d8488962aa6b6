import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  ReplayPolicy,
} from "@nats-io/jetstream";
import { nanos, nuid } from "@nats-io/nats-core";

/** How a reader pulls; the defaults notice a lost consumer within about 2 s. */
export interface ReaderOptions {
  /** Heartbeat the server sends on an idle pull; two missed ones end the session. */
  heartbeatMs: number;
  /** Lifetime of each pull request (at least 1 000). */
  expiresMs: number;
  /** Messages pulled ahead of the projection. */
  bufferSize: number;
  /** The server deletes the consumer after this long without a pull (a crashed process leaves nothing). */
  inactiveMs: number;
}

export const DEFAULT_READER_OPTIONS: ReaderOptions = {
  heartbeatMs: 1_000,
  expiresMs: 5_000,
  bufferSize: 1_000,
  inactiveMs: 60_000,
};

/** One ephemeral consumer reading a stream in order from a position, until something ends it. */
export interface ReaderSession {
  /** The server-side consumer's name. */
  readonly consumerName: string;
  /** Messages matching the filter left to deliver when the session opened. */
  readonly pendingAtOpen: number;
  /**
   * Messages in stream order with no gap (the consumer's delivery sequence is checked). Ends,
   * after the message in hand, once the session is ended: by `end()`, a delivery gap, two missed
   * heartbeats, or the consumer or stream gone.
   */
  messages(): AsyncGenerator<JsMsg>;
  /** Messages pulled and waiting in the buffer. */
  buffered(): number;
  /** Why the session ended, once it has. */
  endReason(): string | undefined;
  end(reason: string): void;
  /** Messages matching the filter not handed out yet: the server's count plus the buffer (a broker request). */
  undelivered(): Promise<number>;
  /** Stops pulling (ends the session); the consumer stays on the server until deleted or inactive. */
  stop(): Promise<void>;
}

export interface OpenReaderOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  filterSubject: string | readonly string[];
  /** Read the messages after this stream sequence (0 = from the start). */
  after: number;
  /** Prefix of the consumer's name, to recognise it on the server. */
  label: string;
  options?: Partial<ReaderOptions>;
}

/** Notifications after which this consumer cannot be trusted to deliver: open a new one. */
const FATAL_NOTIFICATIONS = new Set([
  "heartbeats_missed",
  "consumer_deleted",
  "consumer_not_found",
  "stream_not_found",
  "no_responders",
]);

/** One filter, or several (a consumer may not have both). */
const filterConfig = (filter: string | readonly string[]) =>
  typeof filter === "string" ? { filter_subject: filter } : { filter_subjects: [...filter] };

const consumerNameFor = (label: string) =>
  `${label.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 60)}_${nuid.next()}`;

/**
 * Creates an ephemeral consumer (no acks, memory state, one replica) delivering the stream's
 * messages on `filterSubject` after sequence `after`, and starts pulling. The replacement for
 * nats.js' ordered consumer, whose recovery waits on heartbeats and its own back-off: here the
 * owner decides when to end a session (a reconnect, a gap) and opens the next one from its own
 * checkpoint at once. Throws when the consumer cannot be created (nothing is left behind).
 */
export async function openReaderSession({
  js,
  jsm,
  stream,
  filterSubject,
  after,
  label,
  options = {},
}: OpenReaderOptions): Promise<ReaderSession> {
  const { heartbeatMs, expiresMs, bufferSize, inactiveMs } = {
    ...DEFAULT_READER_OPTIONS,
    ...options,
  };
  const consumerName = consumerNameFor(label);
  const info = await jsm.consumers.add(stream, {
    name: consumerName,
    ack_policy: AckPolicy.None,
    ...filterConfig(filterSubject),
    ...(after > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }
      : { deliver_policy: DeliverPolicy.All }),
    replay_policy: ReplayPolicy.Instant,
    inactive_threshold: nanos(inactiveMs),
    mem_storage: true,
    num_replicas: 1,
  });
  const consumer = js.consumers.getConsumerFromInfo(info);
  let messages: ConsumerMessages;
  try {
    messages = await consumer.consume({
      max_messages: bufferSize,
      expires: expiresMs,
      idle_heartbeat: heartbeatMs,
    });
  } catch (err) {
    await deleteReaderConsumer(jsm, stream, consumerName);
    throw err;
  }

  // Received and not yet handed out. (`getPending()` also counts queued pull requests at times.)
  const buffered = () => messages.getReceived() - messages.getProcessed();
  let reason: string | undefined;
  const end = (why: string) => {
    if (reason !== undefined) return;
    reason = why;
    // Wakes a reader waiting for the next message; buffered ones are dropped by messages().
    void messages.close();
  };
  void (async () => {
    for await (const notification of messages.status()) {
      if (FATAL_NOTIFICATIONS.has(notification.type)) end(`consumer ${notification.type}`);
    }
  })().catch((err: unknown) =>
    // Without its status the session could miss a deleted consumer: end it, so it is read anew.
    end(`consumer status stopped: ${(err as Error).message}`),
  );

  return {
    consumerName,
    pendingAtOpen: info.num_pending,
    async *messages() {
      let expected = 1;
      for await (const message of messages) {
        if (reason !== undefined) break;
        if (message.info.deliverySequence !== expected) {
          end(`delivery sequence jumped from ${expected - 1} to ${message.info.deliverySequence}`);
          break;
        }
        expected += 1;
        yield message;
        if (reason !== undefined) break;
      }
      end(reason ?? "the consumer stopped delivering");
    },
    buffered,
    endReason: () => reason,
    end,
    async undelivered() {
      const { num_pending } = await consumer.info();
      return num_pending + buffered();
    },
    async stop() {
      end("stopped");
      await messages.close();
    },
  };
}

/**
 * Deletes a reader's consumer. Resolves true once the server no longer has it (deleted now, or
 * already gone), false when the broker could not be reached: try again later.
 */
export function deleteReaderConsumer(
  jsm: JetStreamManager,
  stream: string,
  consumerName: string,
): Promise<boolean> {
  return jsm.consumers.delete(stream, consumerName).then(
    () => true,
    (err: Error) => /not found/i.test(err.message),
  );
}

/**
 * Counts the messages on `filterSubject` stored after sequence `after`, without reading them:
 * creates a consumer that is never pulled, takes its pending count, and deletes it (it expires
 * in 10 s should the delete fail). For a projection that keeps no consumer (halted).
 */
export async function countStoredAfter(
  jsm: JetStreamManager,
  { stream, filterSubject, after, label }: Omit<OpenReaderOptions, "js" | "jsm" | "options">,
): Promise<number> {
  const consumerName = consumerNameFor(`${label}_count`);
  const info = await jsm.consumers.add(stream, {
    name: consumerName,
    ack_policy: AckPolicy.None,
    ...filterConfig(filterSubject),
    ...(after > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }
      : { deliver_policy: DeliverPolicy.All }),
    inactive_threshold: nanos(10_000),
    mem_storage: true,
    num_replicas: 1,
  });
  await deleteReaderConsumer(jsm, stream, consumerName);
  return info.num_pending;
}
