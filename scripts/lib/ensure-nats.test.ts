import { afterAll, beforeAll, expect, spyOn, test } from "bun:test";
import { createTempDir, getFreePort, natsVersions, startNatsServer } from "@shop/shared/testing";
import { ensureNats, NatsUnusable } from "./ensure-nats.ts";

// A server that introduces itself as Debian's 2.9.10 does.
let old: { port: number; stop(closeActive?: boolean): void } | undefined;
beforeAll(() => {
  old = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.write(
          `INFO ${JSON.stringify({ server_id: "old", version: "2.9.10", proto: 1 })}\r\n`,
        );
      },
      data() {},
    },
  });
});
afterAll(() => old?.stop(true));

test("dev explains an old server in one line and runs the pinned one instead", async () => {
  const data = createTempDir("dev-nats");
  const fallbackUrl = `nats://127.0.0.1:${await getFreePort()}`;
  const errors = spyOn(console, "error").mockImplementation(() => undefined);
  const logs = spyOn(console, "log").mockImplementation(() => undefined);
  try {
    const nats = await ensureNats(`nats://127.0.0.1:${old?.port}`, {
      explicit: false,
      fallbackUrl,
      dataDir: data.path,
    });
    try {
      expect(nats.url).toBe(fallbackUrl);
      expect(errors.mock.calls).toHaveLength(1);
      expect(String(errors.mock.calls[0]?.[0])).toContain(
        `is nats-server 2.9.10; this project needs ${natsVersions().serverMinimum} or newer (pinned ${natsVersions().server}): starting the pinned server on ${fallbackUrl} instead.`,
      );
      // It is a current server that answers there now: dev reuses it the next time.
      const again = await ensureNats(fallbackUrl, { explicit: true, dataDir: data.path });
      expect(again.url).toBe(fallbackUrl);
      expect(String(logs.mock.calls.at(-1)?.[0])).toContain(
        `using nats-server ${natsVersions().server}`,
      );
    } finally {
      await nats.stop();
    }
  } finally {
    errors.mockRestore();
    logs.mockRestore();
    await data.cleanup();
  }
});

test("with NATS_URL set explicitly to an old server, dev refuses instead of replacing it", async () => {
  const refusal = ensureNats(`nats://127.0.0.1:${old?.port}`, { explicit: true });
  await expect(refusal).rejects.toBeInstanceOf(NatsUnusable);
  await expect(refusal).rejects.toThrow(
    /is nats-server 2\.9\.10; this project needs .* point NATS_URL at a current server/,
  );
});

test("a current server at NATS_URL is used as it is", async () => {
  const server = await startNatsServer();
  const logs = spyOn(console, "log").mockImplementation(() => undefined);
  try {
    const nats = await ensureNats(server.url, { explicit: true });
    expect(nats.url).toBe(server.url);
  } finally {
    logs.mockRestore();
    await server.cleanup();
  }
});
