/**
 * `npm run build`: bundles every service and the card gateway into dist/<name>/src/main.js, with
 * the migrations each reads laid out beside it (see scripts/lib/bundles.ts). `npm start`, the
 * benchmarks and the Docker image run these bundles. Takes process names as arguments (all when
 * none).
 */
import { BUNDLED, buildBundles, isBundledName } from "./lib/bundles.ts";

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !isBundledName(name));
if (unknown.length > 0) {
  console.error(`unknown process(es): ${unknown.join(", ")}; known: ${BUNDLED.join(", ")}`);
  process.exit(1);
}
const names = wanted.length > 0 ? wanted.filter(isBundledName) : BUNDLED;
const startedAt = performance.now();
await buildBundles({ names });
console.log(
  `bundled ${names.join(", ")} into dist/ in ${Math.round(performance.now() - startedAt)} ms`,
);
