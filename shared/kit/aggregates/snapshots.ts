import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "../log/logger.ts";
import type { StreamSpec } from "../nats/topology.ts";

/** Latest folded state per aggregate, so a cold load reads a snapshot and a short tail. */
export const SNAPSHOT_STREAM: StreamSpec = {
  name: "SNAPSHOTS",
  subjects: ["snapshots.>"],
  description:
    "The latest folded state of long-lived aggregates (one message per aggregate). A cache: " +
    "deleting it only makes the next load read the aggregate's whole history.",
  maxMsgsPerSubject: 1,
};

export interface Snapshot<State> {
  state: State;
  /** Stream sequence of the last event folded into `state`. */
  version: number;
}

export interface SnapshotOptions {
  /** Take a snapshot once this many events were folded since the last one. */
  every: number;
  /**
   * Bump when the state's shape or evolve changes: snapshots of another schema are ignored
   * (the aggregate is folded from its history instead).
   */
  schema: number;
}

export interface SnapshotStore<State> {
  read(subject: string): Promise<Snapshot<State> | undefined>;
  /** Stores in the background; a failure is logged and costs only a longer next cold load. */
  write(subject: string, snapshot: Snapshot<State>): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Snapshots of one stream's aggregates in SNAPSHOT_STREAM, on `snapshots.<stream>.<subject>`.
 * State must survive JSON (plain objects and arrays). Reads are direct gets.
 */
export function createSnapshotStore<State>({
  js,
  jsm,
  stream,
  schema,
  logger,
}: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  schema: number;
  logger: Logger;
}): SnapshotStore<State> {
  const subjectOf = (subject: string) => `snapshots.${stream}.${subject}`;
  return {
    async read(subject) {
      const stored = await jsm.direct.getMessage(SNAPSHOT_STREAM.name, {
        last_by_subj: subjectOf(subject),
      });
      if (!stored) return undefined;
      const snapshot = JSON.parse(decoder.decode(stored.data)) as Snapshot<State> & {
        schema: number;
      };
      return snapshot.schema === schema
        ? { state: snapshot.state, version: snapshot.version }
        : undefined;
    },
    write(subject, { state, version }) {
      const payload = encoder.encode(JSON.stringify({ schema, version, state }));
      js.publish(subjectOf(subject), payload).catch((err: unknown) =>
        logger.warn({ err, subject, version }, "could not store a snapshot"),
      );
    },
  };
}
