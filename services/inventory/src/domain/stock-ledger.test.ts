import { describe, expect, test } from "bun:test";
import { AppError, fold } from "@shop/shared/domain";
import {
  type StockCommand,
  type StockEvent,
  type StockLedgerState,
  stockLedgerDecider,
} from "./stock-ledger.ts";

const given = (...events: StockEvent[]) => fold(stockLedgerDecider, events);
const when = (state: StockLedgerState, command: StockCommand) =>
  stockLedgerDecider.decide(command, state);
const thrownBy = (act: () => unknown) => {
  try {
    act();
  } catch (err) {
    return err;
  }
  throw new Error("expected the command to be refused");
};

const mug: StockEvent = {
  type: "product.defined",
  data: { sku: "MUG-1", name: "Mug", priceCents: 1200 },
};
const tee: StockEvent = {
  type: "product.defined",
  data: { sku: "TEE-1", name: "Tee", priceCents: 2500 },
};
const restock = (sku: string, quantity: number): StockEvent => ({
  type: "stock.restocked",
  data: { sku, quantity },
});
const reserved = (orderId: string, items: { sku: string; quantity: number }[]): StockEvent => ({
  type: "stock.reserved",
  data: { orderId, items },
});
const reserve = (orderId: string, items: { sku: string; quantity: number }[]): StockCommand => ({
  type: "ReserveForOrder",
  orderId,
  items,
});

describe("stock ledger: products", () => {
  test("defines a new product", () => {
    expect(
      when(given(), { type: "DefineProduct", sku: "MUG-1", name: "Mug", priceCents: 1200 }),
    ).toEqual([mug]);
  });

  test("defines nothing when name and price are unchanged", () => {
    expect(
      when(given(mug), { type: "DefineProduct", sku: "MUG-1", name: "Mug", priceCents: 1200 }),
    ).toEqual([]);
  });

  test("redefines a product whose price changed, keeping its stock", () => {
    const events = when(given(mug, restock("MUG-1", 4)), {
      type: "DefineProduct",
      sku: "MUG-1",
      name: "Mug",
      priceCents: 1500,
    });
    expect(events).toEqual([
      { type: "product.defined", data: { sku: "MUG-1", name: "Mug", priceCents: 1500 } },
    ]);
    const state = fold(stockLedgerDecider, events, given(mug, restock("MUG-1", 4)));
    expect(state.products.get("MUG-1")).toEqual({
      name: "Mug",
      priceCents: 1500,
      available: 4,
      reserved: 0,
      sold: 0,
    });
  });

  test("refuses a sku that is not subject-safe", () => {
    const err = thrownBy(() =>
      when(given(), { type: "DefineProduct", sku: "mug.1", name: "Mug", priceCents: 1 }),
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ kind: "validation", code: "product.invalid-sku" });
  });

  test("restocks a known product", () => {
    expect(when(given(mug), { type: "Restock", sku: "MUG-1", quantity: 5 })).toEqual([
      restock("MUG-1", 5),
    ]);
    expect(
      given(mug, restock("MUG-1", 5), restock("MUG-1", 2)).products.get("MUG-1")?.available,
    ).toBe(7);
  });

  test("refuses to restock an unknown product", () => {
    const err = thrownBy(() => when(given(), { type: "Restock", sku: "MUG-1", quantity: 5 }));
    expect(err).toMatchObject({ kind: "not-found", code: "product.not-found" });
  });

  test("refuses to restock a quantity that is not a positive integer", () => {
    const err = thrownBy(() => when(given(mug), { type: "Restock", sku: "MUG-1", quantity: 0 }));
    expect(err).toMatchObject({ kind: "validation", code: "stock.invalid-quantity" });
  });
});

describe("stock ledger: reservations", () => {
  test("reserves every line when all are available", () => {
    const state = given(mug, tee, restock("MUG-1", 3), restock("TEE-1", 1));
    const items = [
      { sku: "MUG-1", quantity: 2 },
      { sku: "TEE-1", quantity: 1 },
    ];
    expect(when(state, reserve("o-1", items))).toEqual([reserved("o-1", items)]);
  });

  test("moves reserved units out of available", () => {
    const state = given(mug, restock("MUG-1", 3), reserved("o-1", [{ sku: "MUG-1", quantity: 2 }]));
    expect(state.products.get("MUG-1")).toEqual({
      name: "Mug",
      priceCents: 1200,
      available: 1,
      reserved: 2,
      sold: 0,
    });
    expect(state.orders.get("o-1")).toEqual({
      status: "reserved",
      items: [{ sku: "MUG-1", quantity: 2 }],
    });
  });

  test("adds up repeated lines of one sku", () => {
    const state = given(mug, tee, restock("MUG-1", 3), restock("TEE-1", 1));
    const events = when(
      state,
      reserve("o-1", [
        { sku: "MUG-1", quantity: 1 },
        { sku: "TEE-1", quantity: 1 },
        { sku: "MUG-1", quantity: 2 },
      ]),
    );
    expect(events).toEqual([
      reserved("o-1", [
        { sku: "MUG-1", quantity: 3 },
        { sku: "TEE-1", quantity: 1 },
      ]),
    ]);
  });

  test("rejects the whole order when a sku is short, counting repeated lines together", () => {
    const state = given(mug, tee, restock("MUG-1", 2), restock("TEE-1", 5));
    const events = when(
      state,
      reserve("o-1", [
        { sku: "MUG-1", quantity: 2 },
        { sku: "TEE-1", quantity: 1 },
        { sku: "MUG-1", quantity: 1 },
      ]),
    );
    expect(events).toEqual([
      {
        type: "stock.rejected",
        data: { orderId: "o-1", shortages: [{ sku: "MUG-1", requested: 3, available: 2 }] },
      },
    ]);
    const after = fold(stockLedgerDecider, events, state);
    expect(after.products.get("MUG-1")?.available).toBe(2);
    expect(after.products.get("TEE-1")?.available).toBe(5);
    expect(after.orders.get("o-1")).toEqual({ status: "rejected", items: [] });
  });

  test("counts an unknown sku as none available", () => {
    const events = when(
      given(mug, restock("MUG-1", 2)),
      reserve("o-1", [
        { sku: "MUG-1", quantity: 1 },
        { sku: "GHOST", quantity: 1 },
      ]),
    );
    expect(events).toEqual([
      {
        type: "stock.rejected",
        data: { orderId: "o-1", shortages: [{ sku: "GHOST", requested: 1, available: 0 }] },
      },
    ]);
  });

  test("never oversells: of two orders for the last unit the second is rejected", () => {
    let state = given(mug, restock("MUG-1", 1));
    const first = when(state, reserve("o-1", [{ sku: "MUG-1", quantity: 1 }]));
    expect(first).toEqual([reserved("o-1", [{ sku: "MUG-1", quantity: 1 }])]);
    state = fold(stockLedgerDecider, first, state);
    expect(when(state, reserve("o-2", [{ sku: "MUG-1", quantity: 1 }]))).toEqual([
      {
        type: "stock.rejected",
        data: { orderId: "o-2", shortages: [{ sku: "MUG-1", requested: 1, available: 0 }] },
      },
    ]);
  });

  test("answers an order only once, whatever it was answered", () => {
    const rejected: StockEvent = {
      type: "stock.rejected",
      data: { orderId: "o-2", shortages: [{ sku: "MUG-1", requested: 9, available: 3 }] },
    };
    const state = given(
      mug,
      restock("MUG-1", 5),
      reserved("o-1", [{ sku: "MUG-1", quantity: 2 }]),
      rejected,
    );
    expect(when(state, reserve("o-1", [{ sku: "MUG-1", quantity: 2 }]))).toEqual([]);
    expect(when(state, reserve("o-2", [{ sku: "MUG-1", quantity: 1 }]))).toEqual([]);
  });

  test("refuses an order without items", () => {
    const err = thrownBy(() => when(given(mug), reserve("o-1", [])));
    expect(err).toMatchObject({ kind: "validation", code: "stock.no-items" });
  });
});

describe("stock ledger: release and commit", () => {
  const holding = given(mug, restock("MUG-1", 5), reserved("o-1", [{ sku: "MUG-1", quantity: 2 }]));

  test("releases what a reserved order holds", () => {
    const events = when(holding, { type: "ReleaseForOrder", orderId: "o-1" });
    expect(events).toEqual([
      { type: "stock.released", data: { orderId: "o-1", items: [{ sku: "MUG-1", quantity: 2 }] } },
    ]);
    const after = fold(stockLedgerDecider, events, holding);
    expect(after.products.get("MUG-1")).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    expect(when(after, { type: "ReleaseForOrder", orderId: "o-1" })).toEqual([]);
  });

  test("leaves a tombstone when releasing an order it never saw, so a late placement holds nothing", () => {
    const events = when(holding, { type: "ReleaseForOrder", orderId: "o-9" });
    expect(events).toEqual([{ type: "stock.released", data: { orderId: "o-9", items: [] } }]);
    const after = fold(stockLedgerDecider, events, holding);
    expect(when(after, reserve("o-9", [{ sku: "MUG-1", quantity: 1 }]))).toEqual([]);
    expect(when(after, { type: "ReleaseForOrder", orderId: "o-9" })).toEqual([]);
  });

  test("releases nothing for a rejected order", () => {
    const state = given(mug, {
      type: "stock.rejected",
      data: { orderId: "o-2", shortages: [{ sku: "MUG-1", requested: 1, available: 0 }] },
    });
    expect(when(state, { type: "ReleaseForOrder", orderId: "o-2" })).toEqual([]);
  });

  test("commits what a reserved order holds, once", () => {
    const events = when(holding, { type: "CommitForOrder", orderId: "o-1" });
    expect(events).toEqual([
      { type: "stock.committed", data: { orderId: "o-1", items: [{ sku: "MUG-1", quantity: 2 }] } },
    ]);
    const after = fold(stockLedgerDecider, events, holding);
    expect(after.products.get("MUG-1")).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    expect(when(after, { type: "CommitForOrder", orderId: "o-1" })).toEqual([]);
    expect(when(after, { type: "ReleaseForOrder", orderId: "o-1" })).toEqual([]);
  });

  test("commits nothing for an order that holds nothing", () => {
    const released = fold(
      stockLedgerDecider,
      [
        {
          type: "stock.released",
          data: { orderId: "o-1", items: [{ sku: "MUG-1", quantity: 2 }] },
        },
      ],
      holding,
    );
    expect(when(released, { type: "CommitForOrder", orderId: "o-1" })).toEqual([]);
    expect(when(holding, { type: "CommitForOrder", orderId: "o-unknown" })).toEqual([]);
  });
});

describe("stock ledger: evolve", () => {
  test("leaves the state it was given untouched", () => {
    const before = given(mug, restock("MUG-1", 5));
    const after = stockLedgerDecider.evolve(
      before,
      reserved("o-1", [{ sku: "MUG-1", quantity: 2 }]),
    );
    expect(before.products.get("MUG-1")).toEqual({
      name: "Mug",
      priceCents: 1200,
      available: 5,
      reserved: 0,
      sold: 0,
    });
    expect(before.orders.has("o-1")).toBe(false);
    expect(after.products.get("MUG-1")?.available).toBe(3);
    expect(after.orders.has("o-1")).toBe(true);
  });
});
