import { z } from "zod";
import type { ContractRegistry } from "../kit/events/event-contract.ts";
import type { StreamSpec } from "../kit/nats/topology.ts";

/** Which service publishes each event type, and on which stream's subjects. */
const PRODUCERS: Record<string, { service: string; stream: StreamSpec["name"] }> = {
  user: { service: "users", stream: "USERS" },
  order: { service: "orders", stream: "ORDERS" },
  product: { service: "inventory", stream: "INVENTORY" },
  stock: { service: "inventory", stream: "INVENTORY" },
  payment: { service: "payments", stream: "PAYMENTS" },
  notification: { service: "notifications", stream: "NOTIFICATIONS" },
};

/**
 * An AsyncAPI 3.0 document of every event contract: one channel per stream (its subjects),
 * one message per event type and version, with the payload's JSON Schema derived from zod.
 */
export function buildAsyncApi(registry: ContractRegistry, streams: readonly StreamSpec[]) {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const stream of streams) {
    channels[stream.name] = {
      address: stream.subjects.join(", "),
      description: stream.description,
      messages: {},
    };
  }
  for (const contract of registry.all()) {
    const producer = PRODUCERS[contract.type.split(".")[0] as string];
    if (!producer) throw new Error(`no producer declared for ${contract.type}`);
    const key = `${contract.type}.v${contract.version}`;
    messages[key] = {
      name: contract.type,
      title: contract.type,
      summary: contract.description,
      contentType: "application/cloudevents+json",
      payload: {
        type: "object",
        properties: { data: z.toJSONSchema(contract.schema, { io: "input" }) },
      },
      "x-dataversion": contract.version,
    };
    const channel = channels[producer.stream] as { messages: Record<string, unknown> };
    channel.messages[key] = { $ref: `#/components/messages/${key}` };
    operations[`${producer.service}.publishes.${key}`] = {
      action: "send",
      channel: { $ref: `#/channels/${producer.stream}` },
      messages: [{ $ref: `#/channels/${producer.stream}/messages/${key}` }],
    };
  }
  return {
    asyncapi: "3.0.0",
    info: {
      title: "evented-shop events",
      version: "1.0.0",
      description: "CloudEvents 1.0 over NATS JetStream.",
    },
    defaultContentType: "application/cloudevents+json",
    channels,
    operations,
    components: { messages },
  };
}
