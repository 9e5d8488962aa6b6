/** `npm run asyncapi`: writes asyncapi.json (AsyncAPI 3.0) from the event contracts. */
import { join } from "node:path";
import { buildAsyncApi, contracts, streams } from "@shop/shared/contracts";

const target = join(import.meta.dir, "..", "asyncapi.json");
await Bun.write(
  target,
  `${JSON.stringify(buildAsyncApi(contracts, Object.values(streams)), null, 2)}\n`,
);
console.log(`wrote ${target}`);
