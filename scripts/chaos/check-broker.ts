import type { ConsumerInfo, JetStreamManager } from "@nats-io/jetstream";
import { consumers as durableSpecs, streams } from "@shop/shared/contracts";
import type { StoredMessage } from "./stream-reader.ts";
import type { ViolationLog } from "./violations.ts";

export interface BrokerFigures {
  durableConsumers: number;
  ephemeralConsumers: Record<string, number>;
  deadLettersByCode: Record<string, number>;
  deadLettersByConsumer: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listConsumers(jsm: JetStreamManager): Promise<ConsumerInfo[]> {
  const all: ConsumerInfo[] = [];
  for (const stream of Object.values(streams))
    all.push(...(await jsm.consumers.list(stream.name).next()));
  return all;
}

/**
 * No wedged consumer: every durable consumer the contracts declare exists, has nothing pending
 * or awaiting an ack, and delivers nothing more over `watchMs` (nothing keeps redelivering).
 */
export async function checkConsumers(
  jsm: JetStreamManager,
  violations: ViolationLog,
  watchMs = 3_000,
) {
  const before = await listConsumers(jsm);
  await sleep(watchMs);
  const after = await listConsumers(jsm);
  const durables = after.filter((c) => c.config.durable_name);
  for (const spec of Object.values(durableSpecs))
    if (!durables.some((c) => c.stream_name === spec.stream && c.name === spec.durable))
      violations.add(
        "consumer-exists",
        `${spec.stream}/${spec.durable}`,
        "the durable consumer is gone",
      );
  for (const c of durables) {
    const name = `${c.stream_name}/${c.name}`;
    const earlier = before.find((b) => b.stream_name === c.stream_name && b.name === c.name);
    if (c.num_pending + c.num_ack_pending > 0)
      violations.add(
        "consumer-not-wedged",
        name,
        `num_pending ${c.num_pending}, num_ack_pending ${c.num_ack_pending}, num_redelivered ${c.num_redelivered}, delivered stream seq ${c.delivered.stream_seq}, ack floor ${c.ack_floor.stream_seq}`,
      );
    if (earlier && c.delivered.consumer_seq !== earlier.delivered.consumer_seq)
      violations.add(
        "consumer-not-redelivering",
        name,
        `delivered ${c.delivered.consumer_seq - earlier.delivered.consumer_seq} more messages in ${watchMs} ms of quiet (num_redelivered ${c.num_redelivered})`,
      );
  }
  const ephemeral: Record<string, number> = {};
  for (const c of after.filter((x) => !x.config.durable_name))
    ephemeral[c.stream_name] = (ephemeral[c.stream_name] ?? 0) + 1;
  return { durableConsumers: durables.length, ephemeralConsumers: ephemeral };
}

/** Every process answers /health/ready 200. */
export async function checkReady(
  processes: { name: string; url: string }[],
  violations: ViolationLog,
) {
  for (const p of processes) {
    const answer = await fetch(`${p.url}/health/ready`, { signal: AbortSignal.timeout(5_000) })
      .then(async (r) => ({ status: r.status, text: await r.text() }))
      .catch((err: Error) => ({ status: 0, text: err.message }));
    if (answer.status !== 200)
      violations.add(
        "ready-at-end",
        p.name,
        `/health/ready → ${answer.status} ${answer.text.slice(0, 500)}`,
      );
  }
}

/**
 * Dead letters counted by code and consumer. A dead letter whose original is a valid event
 * (it decodes with the contracts) is a saga step given up on: a violation, whatever the code.
 */
export function checkDeadLetters(
  letters: StoredMessage[],
  streamsRead: Record<string, StoredMessage[]>,
  violations: ViolationLog,
) {
  const byCode: Record<string, number> = {};
  const byConsumer: Record<string, number> = {};
  const index = new Map(
    Object.entries(streamsRead).map(([name, messages]) => [
      name,
      new Map(messages.map((m) => [m.seq, m])),
    ]),
  );
  for (const m of letters) {
    const letter = m.json as
      | {
          code?: string;
          consumer?: string;
          stream?: string;
          streamSequence?: number;
          reason?: string;
        }
      | undefined;
    const code = letter?.code ?? "(not a dead letter)";
    byCode[code] = (byCode[code] ?? 0) + 1;
    const consumer = `${letter?.stream ?? "?"}/${letter?.consumer ?? "?"}`;
    byConsumer[consumer] = (byConsumer[consumer] ?? 0) + 1;
    const original = index.get(letter?.stream ?? "")?.get(letter?.streamSequence ?? -1);
    if (original?.event)
      violations.add(
        "valid-event-not-dead-lettered",
        `${consumer} ${letter?.stream} #${letter?.streamSequence}`,
        `${original.event.type} (order ${(original.event.data as any)?.orderId ?? "-"}) on ${original.subject} dead-lettered with ${code}: ${letter?.reason?.slice(0, 300)}`,
      );
  }
  return { deadLettersByCode: byCode, deadLettersByConsumer: byConsumer };
}
