import type { ServiceName } from "../../tests/e2e/shop-harness.ts";
import type { Random } from "./random.ts";

/** One fuzz request: where, how, and a short name of what it tries. */
export interface FuzzRequest {
  service: ServiceName | "card-gateway";
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  kind: string;
}

/** Live ids the fuzzer aims at, besides made-up ones. */
export interface FuzzTargets {
  users: readonly string[];
  skus: readonly string[];
  orders: () => readonly string[];
  withGateway: boolean;
}

const JSON_TYPE = { "content-type": "application/json" };

/** A valid request of each route, as a base the mutations start from. */
export function validBase(t: FuzzTargets, random: Random): FuzzRequest {
  const user = random.pick(t.users);
  const sku = random.pick(t.skus);
  const orders = t.orders();
  const order = orders.length > 0 ? random.pick(orders) : "no-such-order";
  const key = () => ({ "idempotency-key": `fz-${random.int(0, 1e9)}` });
  const post = (service: FuzzRequest["service"], path: string, body: unknown, headers = {}) => ({
    service,
    method: "POST",
    path,
    headers: { ...JSON_TYPE, ...headers },
    body: JSON.stringify(body),
    kind: "valid",
  });
  const get = (service: FuzzRequest["service"], path: string) => ({
    service,
    method: "GET",
    path,
    headers: {},
    kind: "valid",
  });
  const routes: (() => FuzzRequest)[] = [
    () =>
      post(
        "users",
        "/users",
        { email: `fz${random.int(0, 1e9)}@example.com`, name: "Fuzz" },
        key(),
      ),
    () => get("users", `/users/${user}`),
    () =>
      post(
        "orders",
        "/orders",
        { userId: user, items: [{ sku, quantity: random.int(1, 3) }], paymentMethod: "visa" },
        key(),
      ),
    () => get("orders", `/orders/${order}`),
    () => get("orders", `/orders?userId=${encodeURIComponent(user)}`),
    () => post("orders", `/orders/${order}/cancel`, undefined, key()),
    () => ({
      ...post("inventory", `/products/${sku}`, {
        name: "Fuzzed",
        priceCents: random.int(100, 5_000),
      }),
      method: "PUT",
    }),
    () => post("inventory", `/products/${sku}/restock`, { quantity: random.int(1, 3) }),
    () => get("inventory", `/products/${sku}`),
    () => get("inventory", "/products"),
    () => get("payments", `/payments?orderId=${order}`),
    () => get("payments", `/payments?userId=${encodeURIComponent(user)}`),
    () => get("notifications", `/notifications?userId=${encodeURIComponent(user)}`),
    () =>
      get(
        random.pick(["users", "orders", "inventory", "payments", "notifications"] as const),
        random.pick(["/health/live", "/metrics", "/openapi.json"]),
      ),
  ];
  if (t.withGateway)
    routes.push(
      () =>
        post(
          "card-gateway",
          "/charges",
          { amountCents: random.int(1, 9_999), paymentMethod: "visa" },
          key(),
        ),
      () => post("card-gateway", "/refunds", { chargeId: "ch_nope", amountCents: 1 }, key()),
      () => get("card-gateway", "/charges?idempotencyKey=fz-none"),
    );
  return random.pick(routes)();
}

/** A valid command with an Idempotency-Key, to be sent twice: both answers must name the same resource. */
export function replayRequest(t: FuzzTargets, random: Random): FuzzRequest {
  const key = { ...JSON_TYPE, "idempotency-key": `fz-replay-${random.int(0, 1e9)}` };
  if (random.chance(0.5))
    return {
      service: "users",
      method: "POST",
      path: "/users",
      headers: key,
      body: JSON.stringify({ email: `fzr${random.int(0, 1e9)}@example.com`, name: "Replay" }),
      kind: "idempotency-replay",
    };
  const items = [{ sku: random.pick(t.skus), quantity: 1 }];
  return {
    service: "orders",
    method: "POST",
    path: "/orders",
    headers: key,
    body: JSON.stringify({ userId: random.pick(t.users), items, paymentMethod: "visa" }),
    kind: "idempotency-replay",
  };
}
