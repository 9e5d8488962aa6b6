import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Msg, NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import {
  getFreePort,
  type NatsServerHandle,
  startNatsServer,
  waitUntil,
} from "@shop/shared/testing";
import { connectOverBun } from "./bun-transport.ts";

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

/** How many socket writes connections opened while `run` runs make, over Bun.connect. */
async function socketWrites(run: (counted: () => Promise<NatsConnection>) => Promise<void>) {
  const open = Bun.connect;
  let writes = 0;
  const counting = (async (options: Parameters<typeof Bun.connect>[0]) => {
    const socket = await open(options);
    const write = socket.write.bind(socket);
    socket.write = (data: Parameters<typeof write>[0]) => {
      writes++;
      return write(data);
    };
    return socket;
  }) as typeof Bun.connect;
  await run(async () => {
    Bun.connect = counting;
    try {
      return await connectOverBun({ servers: server.url });
    } finally {
      Bun.connect = open;
    }
  });
  return () => writes;
}

describe("the Bun transport", () => {
  test("publishes from many async tasks of one turn arrive in order, in one socket write", async () => {
    const listener = await listen("coalesce.order");
    let nc: NatsConnection | undefined;
    try {
      const writes = await socketWrites(async (counted) => {
        nc = await counted();
      });
      const publisher = nc as NatsConnection;
      await publisher.flush();
      const before = writes();
      // Each publish lands in its own microtask, as acks of concurrent handlers do.
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          await Promise.resolve();
          publisher.publish("coalesce.order", String(i));
        }),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes() - before).toBe(1);
      await publisher.flush();
      await waitUntil(() => listener.received.length === 200);
      expect(listener.received).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    } finally {
      await nc?.close();
      await listener.nc.close();
    }
  });

  test("a message larger than the socket takes at once arrives whole", async () => {
    const listener = await listen("coalesce.large");
    const nc = await connectOverBun({ servers: server.url });
    try {
      const large = "x".repeat(900_000);
      for (let i = 0; i < 5; i++) nc.publish("coalesce.large", `${i}${large}`);
      await nc.flush();
      await waitUntil(() => listener.received.length === 5);
      expect(listener.received.map((m) => [m[0], m.length])).toEqual(
        Array.from({ length: 5 }, (_, i) => [String(i), 900_001]),
      );
    } finally {
      await nc.close();
      await listener.nc.close();
    }
  });

  test("connecting to a port nobody listens on is refused as a connection error", async () => {
    const port = await getFreePort();
    await expect(
      connectOverBun({ servers: `nats://127.0.0.1:${port}`, reconnect: false }),
    ).rejects.toThrow(/connection refused|CONNECTION_REFUSED|ECONNREFUSED/i);
  });

  test("a server that closes before its INFO, or offers TLS, is refused rather than used", async () => {
    const fake = (greeting: string | undefined) =>
      Bun.listen({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          open: (socket) => {
            if (greeting === undefined) socket.end();
            else socket.write(greeting);
          },
          data: () => undefined,
        },
      });
    const closing = fake(undefined);
    const offeringTls = fake(
      `INFO ${JSON.stringify({ server_id: "fake", version: "2.15.2", proto: 1, max_payload: 1048576, tls_available: true })}\r\n`,
    );
    try {
      const attempt = (port: number) =>
        connectOverBun({ servers: `nats://127.0.0.1:${port}`, reconnect: false, timeout: 2_000 });
      await expect(attempt(closing.port)).rejects.toThrow();
      await expect(attempt(offeringTls.port)).rejects.toThrow(/tls:\/\/ URL/);
    } finally {
      closing.stop(true);
      offeringTls.stop(true);
    }
  });

  test("drain() delivers everything published before it", async () => {
    const listener = await listen("coalesce.drain");
    try {
      const nc = await connectOverBun({ servers: server.url });
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
    const nc = await connectOverBun({
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
