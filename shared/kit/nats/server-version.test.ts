import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTempDir, startNatsServer } from "@shop/shared/testing";
import { createLogger } from "../log/logger.ts";
import { connectNats } from "./connection.ts";
import { isAtLeast, MINIMUM_NATS_SERVER } from "./server-version.ts";

test("compares versions numerically, not as text", () => {
  expect(isAtLeast("2.15.2", MINIMUM_NATS_SERVER)).toBe(true);
  expect(isAtLeast("v2.12.0", "2.12.0")).toBe(true);
  expect(isAtLeast("2.9.10", MINIMUM_NATS_SERVER)).toBe(false);
  expect(isAtLeast("2.11.9", MINIMUM_NATS_SERVER)).toBe(false);
});

// A server that says it is 2.9.10 in its INFO line, as Debian's does: the kit must refuse it.
let fake: { port: number; stop(closeActive?: boolean): void } | undefined;
beforeAll(() => {
  fake = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        const info = {
          server_id: "old",
          version: "2.9.10",
          proto: 1,
          max_payload: 1048576,
          headers: true,
          jetstream: true,
        };
        socket.write(`INFO ${JSON.stringify(info)}\r\n`);
      },
      data(socket, data) {
        if (data.toString().includes("PING")) socket.write("PONG\r\n");
      },
    },
  });
});
afterAll(() => fake?.stop(true));

test("a service refuses a server older than the minimum, naming both versions", async () => {
  await expect(
    connectNats({
      url: `nats://127.0.0.1:${fake?.port}`,
      name: "old-server-test",
      logger: createLogger({ service: "t", level: "silent" }),
    }),
  ).rejects.toThrow(
    new RegExp(`is 2\\.9\\.10; this kit needs ${MINIMUM_NATS_SERVER.replaceAll(".", "\\.")}`),
  );
});

test("and connects to the pinned one", async () => {
  const server = await startNatsServer();
  const dir = createTempDir("version-ok");
  try {
    const nats = await connectNats({
      url: server.url,
      name: "new-server-test",
      logger: createLogger({ service: "t", level: "silent" }),
    });
    expect(nats.isConnected()).toBe(true);
    await nats.drain();
  } finally {
    await dir.cleanup();
    await server.cleanup();
  }
});
