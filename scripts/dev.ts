/**
 * `npm run dev` / `bun run dev`: the whole shop (or the services named as arguments),
 * with NATS from NATS_URL or a local nats-server started on demand, pretty logs, and
 * restarts on file changes. Ctrl-C stops everything gracefully.
 */
import { join } from "node:path";
import { ensureNats } from "./lib/ensure-nats.ts";
import { ROOT, SERVICES, serviceEntry, servicePort } from "./lib/services.ts";

const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !SERVICES.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown service(s): ${unknown.join(", ")}; known: ${SERVICES.map((s) => s.name).join(", ")}`,
  );
  process.exit(1);
}
const selected = SERVICES.filter((s) => wanted.length === 0 || wanted.includes(s.name));
const stopNats = await ensureNats(natsUrl);

const colors = [36, 35, 33, 32, 34];
const children = selected.map((service, i) => {
  const prefix = `\x1b[${colors[i % colors.length]}m${service.name.padEnd(13)}\x1b[0m| `;
  const child = Bun.spawn([process.execPath, "--watch", serviceEntry(service.name)], {
    cwd: join(ROOT, "services", service.name),
    env: {
      LOG_FORMAT: "pretty",
      DATA_DIR: join(ROOT, "data"),
      ...process.env,
      NATS_URL: natsUrl,
      PORT: String(servicePort(service.name)),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  for (const stream of [child.stdout, child.stderr]) {
    (async () => {
      let buffered = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        buffered += chunk;
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
      }
    })();
  }
  console.log(`${prefix}http://127.0.0.1:${servicePort(service.name)}`);
  return child;
});

let stopping = false;
async function stopAll() {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((c) => c.exited));
  await stopNats();
  process.exit(0);
}
process.on("SIGINT", stopAll);
process.on("SIGTERM", stopAll);
await Promise.race(children.map((c) => c.exited));
if (!stopping) {
  console.error("a service exited; stopping the others");
  await stopAll();
}
