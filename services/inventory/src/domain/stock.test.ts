import { describe, expect, test } from "bun:test";
import { subjects } from "@shop/shared/contracts";
import { AppError } from "@shop/shared/domain";
import {
  commit,
  type Placed,
  RECENT_RESTOCKS,
  release,
  reserve,
  type SkuCommand,
  type StockEvent,
  type StockLine,
  type StockState,
  stockDecider,
} from "./stock.ts";

type World = Map<string, StockState>;

/** Each subject's state after these events: the fold the aggregate store would do per subject. */
const given = (...placed: Placed[]): World => then(new Map(), placed);
const then = (world: World, placed: readonly Placed[]): World => {
  const next = new Map(world);
  for (const { subject, event } of placed)
    next.set(subject, stockDecider.evolve(next.get(subject) ?? stockDecider.initialState, event));
  return next;
};
const whenSku = (world: World, command: SkuCommand) =>
  stockDecider.decide(command, world.get(subjects.sku(command.sku)) ?? {});
const thrownBy = (act: () => unknown) => {
  try {
    act();
  } catch (err) {
    return err;
  }
  throw new Error("expected the command to be refused");
};

const onSku = (sku: string, event: StockEvent): Placed => ({ subject: subjects.sku(sku), event });
const onOrder = (orderId: string, event: StockEvent): Placed => ({
  subject: subjects.orderStock(orderId),
  event,
});
const mug = onSku("MUG-1", {
  type: "product.defined",
  data: { sku: "MUG-1", name: "Mug", priceCents: 1200 },
});
const tee = onSku("TEE-1", {
  type: "product.defined",
  data: { sku: "TEE-1", name: "Tee", priceCents: 2500 },
});
const restock = (sku: string, quantity: number) =>
  onSku(sku, { type: "stock.restocked", data: { sku, quantity } });
const held = (orderId: string, sku: string, quantity: number) =>
  onSku(sku, { type: "stock.held", data: { sku, orderId, quantity } });
const reserved = (orderId: string, items: StockLine[]): Placed[] => [
  onOrder(orderId, { type: "stock.reserved", data: { orderId, items } }),
  ...items.map(({ sku, quantity }) => held(orderId, sku, quantity)),
];
const skuOf = (world: World, sku: string) => world.get(subjects.sku(sku))?.sku;
const orderOf = (world: World, orderId: string) => world.get(subjects.orderStock(orderId))?.order;

describe("a sku: catalog and restock", () => {
  test("defines a new product, and nothing when name and price are unchanged", () => {
    const define = { type: "DefineProduct", sku: "MUG-1", name: "Mug", priceCents: 1200 } as const;
    expect(whenSku(given(), define)).toEqual([mug.event]);
    expect(whenSku(given(mug), define)).toEqual([]);
  });

  test("redefines a product whose price changed, keeping its stock", () => {
    const world = given(mug, restock("MUG-1", 4));
    const events = whenSku(world, {
      type: "DefineProduct",
      sku: "MUG-1",
      name: "Mug",
      priceCents: 1500,
    });
    expect(events).toEqual([
      { type: "product.defined", data: { sku: "MUG-1", name: "Mug", priceCents: 1500 } },
    ]);
    expect(
      skuOf(
        then(
          world,
          events.map((e) => onSku("MUG-1", e)),
        ),
        "MUG-1",
      ),
    ).toEqual({ name: "Mug", priceCents: 1500, available: 4, reserved: 0, sold: 0 });
  });

  test("refuses a sku that is not subject-safe", () => {
    const err = thrownBy(() =>
      stockDecider.decide({ type: "DefineProduct", sku: "mug.1", name: "Mug", priceCents: 1 }, {}),
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ kind: "validation", code: "product.invalid-sku" });
  });

  test("restocks a known product, refuses an unknown one or a bad quantity", () => {
    expect(whenSku(given(mug), { type: "Restock", sku: "MUG-1", quantity: 5 })).toEqual([
      restock("MUG-1", 5).event,
    ]);
    expect(skuOf(given(mug, restock("MUG-1", 5), restock("MUG-1", 2)), "MUG-1")?.available).toBe(7);
    expect(
      thrownBy(() => whenSku(given(), { type: "Restock", sku: "MUG-1", quantity: 5 })),
    ).toMatchObject({ kind: "not-found", code: "product.not-found" });
    expect(
      thrownBy(() => whenSku(given(mug), { type: "Restock", sku: "MUG-1", quantity: 0 })),
    ).toMatchObject({ kind: "validation", code: "stock.invalid-quantity" });
  });
});

describe("a retried restock", () => {
  const restockWith = (restockId: string, quantity = 5) =>
    ({ type: "Restock", sku: "MUG-1", quantity, restockId }) as const;

  test("adds its units once: a restock the sku has applied under the same id adds nothing", () => {
    const first = whenSku(given(mug), restockWith("r-1"));
    expect(first).toEqual([
      { type: "stock.restocked", data: { sku: "MUG-1", quantity: 5, restockId: "r-1" } },
    ]);
    const after = then(
      given(mug),
      first.map((e) => onSku("MUG-1", e)),
    );
    expect(whenSku(after, restockWith("r-1"))).toEqual([]);
    expect(whenSku(after, restockWith("r-2"))).toHaveLength(1);
  });

  test("the sku remembers only its last RECENT_RESTOCKS ids, however long it sells", () => {
    let world = given(mug);
    for (let i = 0; i < RECENT_RESTOCKS + 10; i++)
      world = then(
        world,
        whenSku(world, restockWith(`r-${i}`, 1)).map((e) => onSku("MUG-1", e)),
      );
    const sku = skuOf(world, "MUG-1");
    expect(sku?.available).toBe(RECENT_RESTOCKS + 10);
    expect(sku?.recentRestocks).toHaveLength(RECENT_RESTOCKS);
    expect(whenSku(world, restockWith(`r-${RECENT_RESTOCKS + 9}`, 1))).toEqual([]);
  });
});

describe("reservations across skus", () => {
  test("holds every line on its own sku, with the order's answer, when all are available", () => {
    const world = given(mug, tee, restock("MUG-1", 3), restock("TEE-1", 1));
    const items = [
      { sku: "MUG-1", quantity: 2 },
      { sku: "TEE-1", quantity: 1 },
    ];
    expect(reserve("o-1", items)(world)).toEqual(reserved("o-1", items));
  });

  test("moves held units out of available into reserved; the order's subject says what it holds", () => {
    const world = given(
      mug,
      restock("MUG-1", 3),
      ...reserved("o-1", [{ sku: "MUG-1", quantity: 2 }]),
    );
    expect(skuOf(world, "MUG-1")).toEqual({
      name: "Mug",
      priceCents: 1200,
      available: 1,
      reserved: 2,
      sold: 0,
    });
    expect(orderOf(world, "o-1")).toEqual({
      status: "reserved",
      items: [{ sku: "MUG-1", quantity: 2 }],
    });
  });

  test("adds up repeated lines of one sku", () => {
    const world = given(mug, tee, restock("MUG-1", 3), restock("TEE-1", 1));
    const lines = [
      { sku: "MUG-1", quantity: 1 },
      { sku: "TEE-1", quantity: 1 },
      { sku: "MUG-1", quantity: 2 },
    ];
    expect(reserve("o-1", lines)(world)).toEqual(
      reserved("o-1", [
        { sku: "MUG-1", quantity: 3 },
        { sku: "TEE-1", quantity: 1 },
      ]),
    );
  });

  test("rejects the whole order when one sku is short, and holds nothing anywhere", () => {
    const world = given(mug, tee, restock("MUG-1", 2), restock("TEE-1", 5));
    const placed = reserve("o-1", [
      { sku: "MUG-1", quantity: 2 },
      { sku: "TEE-1", quantity: 1 },
      { sku: "MUG-1", quantity: 1 },
    ])(world);
    expect(placed).toEqual([
      onOrder("o-1", {
        type: "stock.rejected",
        data: { orderId: "o-1", shortages: [{ sku: "MUG-1", requested: 3, available: 2 }] },
      }),
    ]);
    const after = then(world, placed);
    expect(skuOf(after, "MUG-1")?.available).toBe(2);
    expect(skuOf(after, "TEE-1")?.available).toBe(5);
    expect(orderOf(after, "o-1")).toEqual({ status: "rejected", items: [] });
  });

  test("counts an unknown sku as none available", () => {
    const placed = reserve("o-1", [
      { sku: "MUG-1", quantity: 1 },
      { sku: "GHOST", quantity: 1 },
    ])(given(mug, restock("MUG-1", 2)));
    expect(placed.map((p) => p.event)).toEqual([
      {
        type: "stock.rejected",
        data: { orderId: "o-1", shortages: [{ sku: "GHOST", requested: 1, available: 0 }] },
      },
    ]);
  });

  test("never oversells: of two orders for the last unit the second is rejected", () => {
    let world = given(mug, restock("MUG-1", 1));
    world = then(world, reserve("o-1", [{ sku: "MUG-1", quantity: 1 }])(world));
    expect(reserve("o-2", [{ sku: "MUG-1", quantity: 1 }])(world).map((p) => p.event.type)).toEqual(
      ["stock.rejected"],
    );
  });

  test("answers an order only once, whatever it was answered", () => {
    const world = given(
      mug,
      restock("MUG-1", 5),
      ...reserved("o-1", [{ sku: "MUG-1", quantity: 2 }]),
      onOrder("o-2", {
        type: "stock.rejected",
        data: { orderId: "o-2", shortages: [{ sku: "MUG-1", requested: 9, available: 3 }] },
      }),
    );
    expect(reserve("o-1", [{ sku: "MUG-1", quantity: 2 }])(world)).toEqual([]);
    expect(reserve("o-2", [{ sku: "MUG-1", quantity: 1 }])(world)).toEqual([]);
  });

  test("refuses an order without items", () => {
    expect(thrownBy(() => reserve("o-1", [])(given(mug)))).toMatchObject({
      kind: "validation",
      code: "stock.no-items",
    });
  });
});

describe("release and commit", () => {
  const holding = given(
    mug,
    restock("MUG-1", 5),
    ...reserved("o-1", [{ sku: "MUG-1", quantity: 2 }]),
  );

  test("releases what a reserved order holds, once, back to the sku's available units", () => {
    const placed = release("o-1")(holding);
    expect(placed).toEqual([
      onOrder("o-1", {
        type: "stock.released",
        data: { orderId: "o-1", items: [{ sku: "MUG-1", quantity: 2 }] },
      }),
      onSku("MUG-1", { type: "stock.unheld", data: { sku: "MUG-1", orderId: "o-1", quantity: 2 } }),
    ]);
    const after = then(holding, placed);
    expect(skuOf(after, "MUG-1")).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    expect(release("o-1")(after)).toEqual([]);
  });

  test("leaves a tombstone when releasing an order it never saw, so a late placement holds nothing", () => {
    const placed = release("o-9")(holding);
    expect(placed).toEqual([
      onOrder("o-9", { type: "stock.released", data: { orderId: "o-9", items: [] } }),
    ]);
    const after = then(holding, placed);
    expect(reserve("o-9", [{ sku: "MUG-1", quantity: 1 }])(after)).toEqual([]);
    expect(release("o-9")(after)).toEqual([]);
  });

  test("releases nothing for a rejected order", () => {
    const world = given(
      mug,
      onOrder("o-2", {
        type: "stock.rejected",
        data: { orderId: "o-2", shortages: [{ sku: "MUG-1", requested: 1, available: 0 }] },
      }),
    );
    expect(release("o-2")(world)).toEqual([]);
  });

  test("commits what a reserved order holds, once; then there is nothing to release", () => {
    const placed = commit("o-1")(holding);
    expect(placed.map((p) => p.event.type)).toEqual(["stock.committed", "stock.sold"]);
    const after = then(holding, placed);
    expect(skuOf(after, "MUG-1")).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    expect(commit("o-1")(after)).toEqual([]);
    expect(release("o-1")(after)).toEqual([]);
  });

  test("commits nothing for an order that holds nothing", () => {
    expect(commit("o-1")(then(holding, release("o-1")(holding)))).toEqual([]);
    expect(commit("o-unknown")(holding)).toEqual([]);
  });

  test("a sku's state is its counts: a thousand settled orders leave nothing else behind", () => {
    let world = given(mug, restock("MUG-1", 1_000));
    for (let i = 0; i < 1_000; i++) {
      const orderId = `o-${i}`;
      world = then(world, reserve(orderId, [{ sku: "MUG-1", quantity: 1 }])(world));
      world = then(world, (i % 2 === 0 ? commit : release)(orderId)(world));
    }
    expect(skuOf(world, "MUG-1")).toEqual({
      name: "Mug",
      priceCents: 1200,
      available: 500,
      reserved: 0,
      sold: 500,
    });
  });
});

describe("evolve", () => {
  test("leaves the state it was given untouched", () => {
    const before = given(mug, restock("MUG-1", 5));
    const sku = before.get(subjects.sku("MUG-1")) as StockState;
    const after = stockDecider.evolve(sku, held("o-1", "MUG-1", 2).event);
    expect(sku.sku).toMatchObject({ available: 5, reserved: 0 });
    expect(after.sku).toMatchObject({ available: 3, reserved: 2 });
  });
});
