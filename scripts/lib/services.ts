import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");

/** The shop's services and their default ports (each overridable with <NAME>_PORT). */
export const SERVICES = [
  { name: "users", port: 3001 },
  { name: "orders", port: 3002 },
  { name: "inventory", port: 3003 },
  { name: "payments", port: 3004 },
  { name: "notifications", port: 3005 },
] as const;

export type ServiceName = (typeof SERVICES)[number]["name"];

export const serviceEntry = (name: string) => join(ROOT, "services", name, "src", "main.ts");

/** Where `npm run build` writes the bundles (see scripts/lib/bundles.ts). */
export const DIST = join(ROOT, "dist");

/** A service's or the card gateway's bundle, as `npm start` runs it: `dist/<name>/src/main.js`. */
export const bundleEntry = (name: string, outDir = DIST) => join(outDir, name, "src", "main.js");

/** The port a service listens on: `<NAME>_PORT` from the environment, or its default. */
export function servicePort(name: ServiceName): number {
  const fromEnv = process.env[`${name.toUpperCase()}_PORT`];
  return fromEnv ? Number(fromEnv) : (SERVICES.find((s) => s.name === name)?.port ?? 0);
}

/**
 * The card gateway payments charges through (PAYMENT_GATEWAY_URL). It stands in for an external
 * card processor, so it is not one of SERVICES: it has no broker and no events.
 */
export const CARD_GATEWAY = {
  name: "card-gateway",
  entry: join(ROOT, "services", "payments", "gateway", "src", "main.ts"),
} as const;

/** The source a service or the card gateway runs from in dev and in tests. */
export const sourceEntry = (name: string) =>
  name === CARD_GATEWAY.name ? CARD_GATEWAY.entry : serviceEntry(name);

/** The card gateway's port: `CARD_GATEWAY_PORT` from the environment, or 3006. */
export const cardGatewayPort = () => Number(process.env.CARD_GATEWAY_PORT ?? 3006);

export const serviceUrl = (name: ServiceName) =>
  process.env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${servicePort(name)}`;

/** What `npm start` (and compose.yaml) give every service: production settings, JSON logs. */
export const PRODUCTION_ENV = { LOG_FORMAT: "json", LOG_LEVEL: "info", NODE_ENV: "production" };
