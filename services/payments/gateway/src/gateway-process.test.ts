import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  createTempDir,
  getFreePort,
  requestJson,
  type ServiceProcessHandle,
  startServiceProcess,
} from "@shop/shared/testing";

const temp = createTempDir("card-gateway-process");
let gateway: ServiceProcessHandle;

beforeAll(async () => {
  const port = await getFreePort();
  gateway = await startServiceProcess({
    name: "card-gateway",
    entry: `${import.meta.dir}/main.ts`,
    port,
    env: { PORT: String(port), DATA_DIR: temp.path, LOG_LEVEL: "warn" },
  });
});

afterAll(async () => {
  if (gateway?.isRunning()) await gateway.stop();
  await temp.cleanup();
});

const charge = async (key: string) => {
  const response = await fetch(`${gateway.url}/charges`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify({ amountCents: 4_200, paymentMethod: "visa" }),
  });
  return { status: response.status, body: (await response.json()) as { id: string } };
};

test("a key charged before a SIGKILL is answered with the same charge after the restart, never charged again", async () => {
  const first = await charge("o-crash");
  expect(first.status).toBe(201);
  await gateway.kill();
  await gateway.restart();

  expect(await charge("o-crash")).toEqual({ status: 200, body: first.body });
  const second = await charge("o-after");
  expect(second.status).toBe(201);
  const { body } = await requestJson<{ charges: { id: string; idempotencyKey: string }[] }>(
    gateway.url,
    "GET",
    "/charges",
  );
  expect(body.charges.map((c) => [c.idempotencyKey, c.id])).toEqual([
    ["o-crash", first.body.id],
    ["o-after", second.body.id],
  ]);
});
