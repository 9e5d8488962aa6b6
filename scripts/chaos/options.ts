/**
 * A chaos run's settings. Each is a flag (`--orders 500`) or an environment variable
 * (`CHAOS_ORDERS=500`); a flag wins over the environment, which wins over the default.
 */
export interface ChaosOptions {
  /** Orders the load generator gets accepted (202), canaries not included. */
  orders: number;
  /** Concurrent clients placing orders. */
  clients: number;
  /** Users registered per client. */
  usersPerClient: number;
  /** Skus with ample stock (one scarce sku and one canary sku are added). */
  skus: number;
  /** SIGKILLs of each service process (and of the card gateway, when there is one). */
  killsPerService: number;
  /** nats-server SIGKILLs, then restarts on the same port and store. */
  brokerKills: number;
  /** nats-server SIGTERMs, then restarts on the same port and store. */
  brokerTerms: number;
  /** HTTP fuzz requests sent. */
  httpFuzz: number;
  /** Messages published straight to the streams with core NATS. */
  eventFuzz: number;
  /** Of those, how many weigh 100 kB to ~1 MB (the two named giants included). */
  eventFuzzLarge: number;
  /** Aim some poison messages at live orders' and skus' subjects (not only made-up ones). */
  fuzzLiveSubjects: boolean;
  /** Orders placed after every fault and fuzz message, which must all be confirmed. */
  canaries: number;
  seed: number;
  /** The load is paced to last at least this long per planned fault, so faults meet a busy shop. */
  faultSpacingMs: number;
  /** Every accepted order is terminal this long after the last fault (or after it was accepted, if later). */
  terminalWithinMs: number;
  /** Longest wait, once the system is quiet, for read models and consumers to agree with the streams. */
  quietTimeoutMs: number;
  /** The load phase stops here even if orders or faults remain (they are reported as unfinished). */
  maxDurationMs: number;
  /** Run the card gateway process (and kill it like a service): "auto" does when the code has one. */
  gateway: "auto" | "off";
  /** Where each process's log lines are written. Default: a new folder under the system temp dir. */
  logDir: string | undefined;
  /** Print only the JSON lines, no human summary. */
  jsonOnly: boolean;
}

export const DEFAULT_OPTIONS: ChaosOptions = {
  orders: 2_000,
  clients: 8,
  usersPerClient: 3,
  skus: 8,
  killsPerService: 2,
  brokerKills: 1,
  brokerTerms: 1,
  httpFuzz: 10_000,
  eventFuzz: 10_000,
  eventFuzzLarge: 12,
  fuzzLiveSubjects: true,
  canaries: 3,
  seed: 1,
  faultSpacingMs: 4_000,
  terminalWithinMs: 30_000,
  quietTimeoutMs: 90_000,
  maxDurationMs: 20 * 60_000,
  gateway: "auto",
  logDir: undefined,
  jsonOnly: false,
};

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envKey = (key: string) => `CHAOS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

function coerce(key: keyof ChaosOptions, raw: string): ChaosOptions[keyof ChaosOptions] {
  const fallback = DEFAULT_OPTIONS[key];
  if (key === "gateway") {
    if (raw !== "auto" && raw !== "off") throw new Error(`--gateway is auto or off, not ${raw}`);
    return raw;
  }
  if (key === "logDir") return raw;
  if (typeof fallback === "boolean") {
    if (!["", "true", "1", "false", "0"].includes(raw))
      throw new Error(`--${kebab(key)} is true or false, not ${JSON.stringify(raw)}`);
    return raw === "" || raw === "true" || raw === "1";
  }
  const value = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${kebab(key)} needs a whole number ≥ 0, not ${JSON.stringify(raw)}`);
  return value;
}

/** Reads `argv` (flags only) and `env` over the defaults. Throws on an unknown flag or a bad value. */
export function parseOptions(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): ChaosOptions {
  const options = { ...DEFAULT_OPTIONS } as Record<keyof ChaosOptions, unknown>;
  const keys = Object.keys(DEFAULT_OPTIONS) as (keyof ChaosOptions)[];
  for (const key of keys) {
    const fromEnv = env[envKey(key)];
    if (fromEnv !== undefined) options[key] = coerce(key, fromEnv);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") throw new Error(usage());
    const [flag, inline] = arg.split("=", 2) as [string, string | undefined];
    const key = keys.find((k) => `--${kebab(k)}` === flag);
    if (!key) throw new Error(`unknown flag ${flag}\n${usage()}`);
    const isBoolean = typeof DEFAULT_OPTIONS[key] === "boolean";
    const next = argv[i + 1];
    const takesNext = !isBoolean || ["true", "false", "1", "0"].includes(next ?? "");
    const raw = inline ?? (takesNext ? argv[++i] : "true");
    if (raw === undefined) throw new Error(`${flag} needs a value`);
    options[key] = coerce(key, raw);
  }
  return options as unknown as ChaosOptions;
}

export function usage(): string {
  const lines = (Object.keys(DEFAULT_OPTIONS) as (keyof ChaosOptions)[]).map(
    (key) =>
      `  --${kebab(key)} (${envKey(key)})  default ${JSON.stringify(DEFAULT_OPTIONS[key]) ?? "none"}`,
  );
  return ["usage: npm run chaos -- [flags]", ...lines].join("\n");
}
