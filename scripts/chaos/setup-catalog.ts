import type { ChaosContext } from "./chaos-context.ts";
import { sendCommand } from "./command-sender.ts";

/** The users and products the load works with. */
export interface Catalog {
  users: string[];
  /** Skus with ample stock. */
  skus: string[];
  /** A sku with a few units: orders for more than it ever holds are rejected out of stock. */
  scarceSku: string;
  scarceUnits: number;
  /** A sku kept for the canary orders placed after every fault. */
  canarySku: string;
  /** Units each ample sku gets at the start and at each top-up. */
  initialUnits: number;
  topUpUnits: number;
}

/** Units one order takes on average (1-2 lines of 1-3 units), times the orders that keep them. */
const UNITS_PER_ORDER = 1.5 * 2 * 0.75;

async function must(what: string, answer: Promise<{ status: number; text: string } | undefined>) {
  const result = await answer;
  if (!result || result.status >= 300)
    throw new Error(`setup: ${what} → ${result ? `${result.status} ${result.text}` : "no answer"}`);
  return result as { status: number; text: string; json: any };
}

/**
 * Registers the users and defines and stocks the skus, before any fault. Ample skus get ~70%
 * of what the load will sell up front and top-ups during the run (see the load generator), so
 * most paid orders are confirmed and a few meet an empty shelf near the end, as in a real shop.
 */
export async function setupCatalog(ctx: ChaosContext): Promise<Catalog> {
  const { options } = ctx;
  const seed = options.seed;
  const prices = ctx.random.fork("prices");
  const perSku = (options.orders * UNITS_PER_ORDER) / Math.max(1, options.skus);
  const catalog: Catalog = {
    users: [],
    skus: Array.from({ length: options.skus }, (_, i) => `chaos-${seed}-s${i}`),
    scarceSku: `chaos-${seed}-scarce`,
    scarceUnits: 5,
    canarySku: `chaos-${seed}-canary`,
    initialUnits: Math.ceil(perSku * 0.7) + 20,
    topUpUnits: Math.ceil(perSku * 0.05) + 1,
  };
  const stock: [string, number][] = [
    ...catalog.skus.map((sku) => [sku, catalog.initialUnits] as [string, number]),
    [catalog.scarceSku, catalog.scarceUnits],
    [catalog.canarySku, options.canaries * 3 + 10],
  ];
  await Promise.all(
    stock.map(async ([sku, units]) => {
      await must(
        `PUT /products/${sku}`,
        sendCommand(
          ctx,
          {
            service: "inventory",
            method: "PUT",
            path: `/products/${sku}`,
            body: { name: `Chaos ${sku}`, priceCents: prices.int(100, 5_000) },
            label: `setup-define-${sku}`,
          },
          { retry: true },
        ),
      );
      await must(
        `restock ${sku}`,
        sendCommand(
          ctx,
          {
            service: "inventory",
            method: "POST",
            path: `/products/${sku}/restock`,
            body: { quantity: units },
            label: `setup-restock-${sku}`,
          },
          { retry: false },
        ),
      );
    }),
  );
  const userCount = options.clients * options.usersPerClient + 1;
  for (let i = 0; i < userCount; i++) {
    const answer = await must(
      `POST /users #${i}`,
      sendCommand(
        ctx,
        {
          service: "users",
          method: "POST",
          path: "/users",
          body: { email: `chaos-${seed}-${i}@example.com`, name: `Chaos client ${i}` },
          idempotencyKey: `chaos-user-${seed}-${i}`,
          label: `setup-user-${i}`,
        },
        { retry: true },
      ),
    );
    catalog.users.push(answer.json.id);
  }
  return catalog;
}
