import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { natsVersions } from "./nats-binaries";
import { type NatsServerHandle, startNatsServer } from "./nats-server";
import { createTempDir } from "./temp-dir";

setDefaultTimeout(30_000);

const STREAM = "HARNESS";

describe("startNatsServer", () => {
  let server: NatsServerHandle;

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    await server.cleanup();
  });

  test("serves JetStream on its own port and temp store", async () => {
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: STREAM, subjects: ["harness.>"], storage: StorageType.File });
      const ack = await jetstream(nc).publish("harness.first", "one");
      expect(ack.stream).toBe(STREAM);
      expect(ack.seq).toBe(1);
    } finally {
      await nc.close();
    }
  });

  test("keeps stored messages across a kill and a restart on the same port", async () => {
    const before = await connect({ servers: server.url });
    const ack = await jetstream(before).publish("harness.second", "two");
    await before.close();

    await server.kill();
    expect(server.isRunning()).toBe(false);
    await server.restart();
    expect(server.isRunning()).toBe(true);

    const after = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(after);
      const stored = await jsm.streams.getMessage(STREAM, { seq: ack.seq });
      expect(stored?.string()).toBe("two");
      expect((await jsm.streams.info(STREAM)).state.messages).toBe(2);
    } finally {
      await after.close();
    }
  });

  test("refuses to restart a server that is still running", async () => {
    await expect(server.restart()).rejects.toThrow(/still running/);
  });

  test("stops gracefully and starts again", async () => {
    await server.stop();
    expect(server.isRunning()).toBe(false);
    await server.restart();
    const nc = await connect({ servers: server.url });
    try {
      expect((await (await jetstreamManager(nc)).streams.info(STREAM)).state.messages).toBe(2);
    } finally {
      await nc.close();
    }
  });
});

test("cleanup stops the server and removes its store", async () => {
  const server = await startNatsServer();
  await server.cleanup();
  expect(server.isRunning()).toBe(false);
  expect(existsSync(server.storeDir)).toBe(false);
});

test("rejects with an install hint when the nats-server binary is missing", async () => {
  const previous = process.env.NATS_SERVER_BIN;
  process.env.NATS_SERVER_BIN = "/nonexistent";
  try {
    await expect(startNatsServer()).rejects.toThrow(/no nats-server binary.*go install/s);
  } finally {
    if (previous === undefined) delete process.env.NATS_SERVER_BIN;
    else process.env.NATS_SERVER_BIN = previous;
  }
});

test("rejects with the server's log when it cannot start", async () => {
  const first = await startNatsServer();
  try {
    await expect(startNatsServer({ port: first.port })).rejects.toThrow(/address already in use/);
  } finally {
    await first.cleanup();
  }
});

test("rejects a server older than the minimum, naming both versions", async () => {
  const previous = process.env.NATS_SERVER_BIN;
  // A stand-in that reports what Debian's package does (2.9.10), so the test does not need one installed.
  const dir = createTempDir("old-nats");
  const old = join(dir.path, "nats-server");
  writeFileSync(old, "#!/bin/sh\necho 'nats-server: v2.9.10'\n", { mode: 0o755 });
  process.env.NATS_SERVER_BIN = old;
  try {
    await expect(startNatsServer()).rejects.toThrow(
      new RegExp(
        `nats-server ${natsVersions().serverMinimum} or newer is needed: found only ${old} \\(2\\.9\\.`,
      ),
    );
  } finally {
    if (previous === undefined) delete process.env.NATS_SERVER_BIN;
    else process.env.NATS_SERVER_BIN = previous;
    await dir.cleanup();
  }
});

test("every test talks to the pinned server version", async () => {
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  try {
    expect(nc.info?.version).toBe(natsVersions().server);
  } finally {
    await nc.close();
    await server.cleanup();
  }
});
