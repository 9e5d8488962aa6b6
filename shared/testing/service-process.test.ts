import { expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { getFreePort } from "./free-port";
import { startServiceProcess } from "./service-process";

setDefaultTimeout(30_000);

const entry = join(import.meta.dir, "fixtures", "tiny-service.ts");

test("starts a service, waits until it is ready, restarts and stops it", async () => {
  const port = await getFreePort();
  const service = await startServiceProcess({
    name: "tiny",
    entry,
    env: { PORT: String(port) },
    port,
  });
  try {
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    expect(service.logs()).toContain(`tiny-service: listening on ${port}`);

    const firstPid = service.pid;
    await service.kill();
    expect(service.isRunning()).toBe(false);
    await service.restart();
    expect(service.pid).not.toBe(firstPid);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);

    expect(await service.stop()).toBe(0);
    expect(service.logs()).toContain("tiny-service: stopping");
  } finally {
    await service.kill();
  }
});

test("rejects with the service's last log lines when it exits before it is ready", async () => {
  const port = await getFreePort();
  const starting = startServiceProcess({
    name: "tiny",
    entry,
    env: { PORT: String(port), FAIL_AT_START: "1" },
    port,
  });
  await expect(starting).rejects.toThrow(/exited with code 3[\s\S]*refusing to start/);
});
