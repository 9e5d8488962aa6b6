import { cpSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CARD_GATEWAY, DIST, ROOT, SERVICES, sourceEntry } from "./services.ts";

/**
 * Left to node_modules at run time: @libsql/client (a native module, imported only when a libSQL
 * URL is configured) and pino-pretty (LOG_FORMAT=pretty).
 */
const EXTERNAL = ["@libsql/client", "pino-pretty"];

/** Every process `npm start` runs: the services and the card gateway. */
export const BUNDLED = [...SERVICES.map((s) => s.name), CARD_GATEWAY.name];
export type BundledName = (typeof BUNDLED)[number];

export const isBundledName = (name: string): name is BundledName =>
  (BUNDLED as readonly string[]).includes(name);

/**
 * The folders a bundle reads at run time, beside it. A service's main.ts names its migrations
 * `${import.meta.dir}/../drizzle` and the kit names its own `${import.meta.dir}/migrations`; in a
 * bundle both are relative to the bundle's folder, dist/<name>/src.
 */
function foldersOf(name: BundledName): { from: string; to: string }[] {
  if (name === CARD_GATEWAY.name) return [];
  return [
    { from: join(ROOT, "services", name, "drizzle"), to: "drizzle" },
    { from: join(ROOT, "shared", "kit", "store", "migrations"), to: join("src", "migrations") },
  ];
}

/**
 * Bundles each named process (all by default) into `<outDir>/<name>/src/main.js` (outDir: dist/),
 * with its migrations laid out beside it, replacing what was there. Minified; split, so that a
 * dynamic import (the libSQL store) stays a chunk loaded on demand rather than at start. Not
 * compiled to bytecode: that starts ~20 ms sooner but costs 2 MB more RSS per process. Each is
 * built beside its folder and moved in only once complete, so a failed build throws with the
 * bundler's messages and leaves the last good bundle in place.
 */
export async function buildBundles({
  names = BUNDLED,
  outDir = DIST,
}: {
  names?: readonly BundledName[];
  outDir?: string;
} = {}): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const folder = join(outDir, name);
      const next = join(outDir, `.${name}.next`);
      rmSync(next, { recursive: true, force: true });
      const result = await Bun.build({
        entrypoints: [sourceEntry(name)],
        outdir: join(next, "src"),
        throw: false,
        target: "bun",
        // Names kept: error types in logs and frames in stack traces stay readable (0.3 MB of RSS).
        minify: { whitespace: true, syntax: true, identifiers: false },
        splitting: true,
        external: EXTERNAL,
      });
      if (!result.success) throw new AggregateError(result.logs, `bundling ${name} failed`);
      for (const { from, to } of foldersOf(name)) cpSync(from, join(next, to), { recursive: true });
      rmSync(folder, { recursive: true, force: true });
      renameSync(next, folder);
    }),
  );
}
