import { expect, test } from "bun:test";
import {
  createTempDir,
  getFreePort,
  startNatsServer,
  startServiceProcess,
} from "@shop/shared/testing";
import { serviceEntry } from "../../scripts/lib/services.ts";

test("a service refuses to serve read models built from another broker, and says how to rebuild", async () => {
  const data = createTempDir("read-model-source-");
  const [first, second] = [await startNatsServer(), await startNatsServer()];
  const start = async (natsUrl: string) => {
    const port = await getFreePort();
    return startServiceProcess({
      name: "users",
      entry: serviceEntry("users"),
      port,
      env: { NATS_URL: natsUrl, PORT: String(port), DATA_DIR: data.path, LOG_LEVEL: "warn" },
    });
  };
  try {
    const users = await start(first.url);
    await users.stop();
    // Same folder, another broker: its USERS stream is not the one the database was built from.
    const refused = await start(second.url).then(
      async (wrongly) => {
        await wrongly.stop();
        return undefined;
      },
      (err: Error) => err,
    );
    expect(refused?.message).toContain("store.other-source");
    expect(refused?.message).toContain("Delete the database file to rebuild it");
    // Back on its own broker it starts as before.
    const again = await start(first.url);
    await again.stop();
  } finally {
    await first.cleanup();
    await second.cleanup();
    await data.cleanup();
  }
});
