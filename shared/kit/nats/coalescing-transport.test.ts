import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Msg, NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { NodeTransport } from "@nats-io/transport-node/lib/node_transport";
import { type NatsServerHandle, startNatsServer, waitUntil } from "@shop/shared/testing";
import { connectCoalescing } from "./coalescing-transport.ts";

setDefaultTimeout(30_000);

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(() => server.cleanup());

/** A plain-transport connection that records what arrives on `subject`, in order. */
async function listen(subject: string) {
  const nc = await connect({ servers: server.url });
  const received: string[] = [];
  nc.subscribe(subject, {
    callback: (_err, msg: Msg) => {
      received.push(msg.string());
    },
  });
  await nc.flush();
  return { nc, received };
}

/** How many writes the Node transport underneath makes while `run` runs. */
async function socketWrites(run: () => Promise<void>): Promise<number> {
  const write = NodeTransport.prototype.send;
  let writes = 0;
  NodeTransport.prototype.send = function (this: NodeTransport, frame: Uint8Array) {
    writes++;
    write.call(this, frame);
  };
  try {
    await run();
  } finally {
    NodeTransport.prototype.send = write;
  }
  return writes;
}

describe("the coalescing transport", () => {
  test("publishes from many async tasks of one turn arrive in order, in one socket write", async () => {
    const listener = await listen("coalesce.order");
    let nc: NatsConnection | undefined;
    try {
      nc = await connectCoalescing({ servers: server.url });
      const publisher = nc;
      await publisher.flush();
      const writes = await socketWrites(async () => {
        // Each publish lands in its own microtask, as acks of concurrent handlers do.
        await Promise.all(
          Array.from({ length: 200 }, async (_, i) => {
            await Promise.resolve();
            publisher.publish("coalesce.order", String(i));
          }),
        );
        await new Promise((resolve) => setImmediate(resolve));
      });
      expect(writes).toBe(1);
      await publisher.flush();
      await waitUntil(() => listener.received.length === 200);
      expect(listener.received).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    } finally {
      await nc?.close();
      await listener.nc.close();
    }
  });

  test("drain() delivers everything published before it", async () => {
    const listener = await listen("coalesce.drain");
    try {
      const nc = await connectCoalescing({ servers: server.url });
      for (let i = 0; i < 50; i++) nc.publish("coalesce.drain", String(i));
      await nc.drain();
      await waitUntil(() => listener.received.length === 50);
      expect(listener.received.at(-1)).toBe("49");
    } finally {
      await listener.nc.close();
    }
  });

  test("request and reply, and a reconnect after the server restarts", async () => {
    const responder = await connect({ servers: server.url, maxReconnectAttempts: -1 });
    responder.subscribe("coalesce.echo", {
      callback: (_err, msg) => {
        msg.respond(msg.data);
      },
    });
    const nc = await connectCoalescing({
      servers: server.url,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    try {
      expect((await nc.request("coalesce.echo", "before")).string()).toBe("before");
      await server.stop();
      await server.restart();
      await waitUntil(async () => {
        try {
          return (
            (await nc.request("coalesce.echo", "after", { timeout: 500 })).string() === "after"
          );
        } catch {
          return false;
        }
      });
    } finally {
      await nc.drain();
      await responder.close();
    }
    expect(nc.isClosed()).toBe(true);
  });
});
