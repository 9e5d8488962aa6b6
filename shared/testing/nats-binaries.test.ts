import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  findNatsCli,
  findNatsServer,
  isAtLeast,
  natsVersions,
  parseVersion,
} from "./nats-binaries";

const ROOT = join(import.meta.dir, "../..");

test("reads versions the way the binaries print them", () => {
  expect(parseVersion("nats-server: v2.15.2")).toBe("2.15.2");
  expect(parseVersion("v0.5.0\n")).toBe("0.5.0");
  expect(parseVersion("no version here")).toBeUndefined();
});

test("compares versions numerically, not as text", () => {
  expect(isAtLeast("2.15.2", "2.12.0")).toBe(true);
  expect(isAtLeast("2.12.0", "2.12.0")).toBe(true);
  expect(isAtLeast("2.9.10", "2.12.0")).toBe(false);
  expect(isAtLeast("10.0.0", "9.99.99")).toBe(true);
});

test("the pinned server is at least the minimum the kit needs", () => {
  const { server, serverMinimum } = natsVersions();
  expect(isAtLeast(server, serverMinimum)).toBe(true);
  expect(isAtLeast(serverMinimum, "2.12.0")).toBe(true);
});

test("the binaries this run uses are the pinned ones", () => {
  expect(findNatsServer().version).toBe(natsVersions().server);
  expect(findNatsCli().version).toBe(natsVersions().cli);
});

test("compose.yaml runs the pinned server version", () => {
  const compose = readFileSync(join(ROOT, "compose.yaml"), "utf8");
  const images = [...compose.matchAll(/image:\s*nats:(\S+)/g)].map((m) => m[1]);
  expect(images).toEqual([`${natsVersions().server}-alpine`]);
});
