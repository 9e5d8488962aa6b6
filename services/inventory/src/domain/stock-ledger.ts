import {
  productDefined,
  skuSchema,
  stockCommitted,
  stockRejected,
  stockReleased,
  stockReserved,
  stockRestocked,
} from "@shop/shared/contracts";
import { type Decider, type EventOf, notFound, validationError } from "@shop/shared/domain";
import { PersistentMap } from "./persistent-map.ts";

export interface StockLine {
  sku: string;
  quantity: number;
}

export type DefineProduct = {
  type: "DefineProduct";
  sku: string;
  name: string;
  priceCents: number;
};
export type Restock = { type: "Restock"; sku: string; quantity: number };
export type ReserveForOrder = { type: "ReserveForOrder"; orderId: string; items: StockLine[] };
export type ReleaseForOrder = { type: "ReleaseForOrder"; orderId: string };
export type CommitForOrder = { type: "CommitForOrder"; orderId: string };
export type StockCommand =
  | DefineProduct
  | Restock
  | ReserveForOrder
  | ReleaseForOrder
  | CommitForOrder;

export type StockEvent =
  | EventOf<typeof productDefined>
  | EventOf<typeof stockRestocked>
  | EventOf<typeof stockReserved>
  | EventOf<typeof stockRejected>
  | EventOf<typeof stockReleased>
  | EventOf<typeof stockCommitted>;

export interface Product {
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  sold: number;
}

export interface OrderHold {
  status: "reserved" | "rejected" | "released" | "committed";
  /** What the order holds (reserved) or held (released, committed); empty when rejected. */
  items: StockLine[];
}

export interface StockLedgerState {
  products: PersistentMap<Product>;
  /** Every order the ledger has answered, kept forever so a repeated or late order.placed is ignored. */
  orders: PersistentMap<OrderHold>;
}

const requireSku = (sku: string) => {
  if (!skuSchema.safeParse(sku).success)
    throw validationError("product.invalid-sku", `not a valid sku: ${JSON.stringify(sku)}`, {
      sku,
    });
};

const requireQuantity = (sku: string, quantity: number) => {
  if (!Number.isInteger(quantity) || quantity <= 0) {
    throw validationError(
      "stock.invalid-quantity",
      `quantity of ${sku} must be a positive integer, got ${quantity}`,
      { sku, quantity },
    );
  }
};

function moveStock(
  products: PersistentMap<Product>,
  items: readonly StockLine[],
  change: (product: Product, quantity: number) => Partial<Product>,
): PersistentMap<Product> {
  let next = products;
  for (const { sku, quantity } of items) {
    const product = next.get(sku);
    if (product) next = next.set(sku, { ...product, ...change(product, quantity) });
  }
  return next;
}

/** Adds up the lines of one sku, keeping the order in which skus first appear. */
function totalBySku(items: readonly StockLine[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) {
    requireSku(sku);
    requireQuantity(sku, quantity);
    totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  }
  return [...totals].map(([sku, quantity]) => ({ sku, quantity }));
}

function decideDefine(command: DefineProduct, state: StockLedgerState): StockEvent[] {
  const { sku, name, priceCents } = command;
  requireSku(sku);
  if (name.trim() === "")
    throw validationError("product.invalid-name", "a product needs a name", { sku });
  if (!Number.isInteger(priceCents) || priceCents < 0) {
    throw validationError(
      "product.invalid-price",
      `price must be a non-negative integer of cents, got ${priceCents}`,
      { sku },
    );
  }
  const current = state.products.get(sku);
  if (current?.name === name && current.priceCents === priceCents) return [];
  return [{ type: "product.defined", data: { sku, name, priceCents } }];
}

function decideRestock(command: Restock, state: StockLedgerState): StockEvent[] {
  const { sku, quantity } = command;
  if (!state.products.has(sku)) throw notFound("product.not-found", `no product ${sku}`, { sku });
  requireQuantity(sku, quantity);
  return [{ type: "stock.restocked", data: { sku, quantity } }];
}

/** All or none: one event either holds every line or refuses the whole order. */
function decideReserve(command: ReserveForOrder, state: StockLedgerState): StockEvent[] {
  const { orderId } = command;
  if (state.orders.has(orderId)) return [];
  if (command.items.length === 0)
    throw validationError("stock.no-items", `order ${orderId} has no items to reserve`, {
      orderId,
    });
  const items = totalBySku(command.items);
  const shortages = items
    .map(({ sku, quantity }) => ({
      sku,
      requested: quantity,
      available: state.products.get(sku)?.available ?? 0,
    }))
    .filter((line) => line.available < line.requested);
  if (shortages.length > 0) return [{ type: "stock.rejected", data: { orderId, shortages } }];
  return [{ type: "stock.reserved", data: { orderId, items } }];
}

function decideRelease(command: ReleaseForOrder, state: StockLedgerState): StockEvent[] {
  const { orderId } = command;
  const order = state.orders.get(orderId);
  // A release before any reservation leaves a tombstone, so a late order.placed holds nothing.
  if (!order) return [{ type: "stock.released", data: { orderId, items: [] } }];
  if (order.status !== "reserved") return [];
  return [{ type: "stock.released", data: { orderId, items: order.items } }];
}

function decideCommit(command: CommitForOrder, state: StockLedgerState): StockEvent[] {
  const order = state.orders.get(command.orderId);
  if (order?.status !== "reserved") return [];
  return [{ type: "stock.committed", data: { orderId: command.orderId, items: order.items } }];
}

/**
 * The whole stock ledger as one aggregate on one subject, so a reservation across skus is
 * one guarded append and orders racing for the last units can never oversell.
 */
export const stockLedgerDecider: Decider<StockCommand, StockEvent, StockLedgerState> = {
  events: [
    productDefined,
    stockRestocked,
    stockReserved,
    stockRejected,
    stockReleased,
    stockCommitted,
  ],
  initialState: { products: PersistentMap.empty(), orders: PersistentMap.empty() },

  evolve(state, event) {
    switch (event.type) {
      case "product.defined": {
        const { sku, name, priceCents } = event.data;
        const current = state.products.get(sku) ?? {
          name,
          priceCents,
          available: 0,
          reserved: 0,
          sold: 0,
        };
        return { ...state, products: state.products.set(sku, { ...current, name, priceCents }) };
      }
      case "stock.restocked":
        return {
          ...state,
          products: moveStock(state.products, [event.data], (p, q) => ({
            available: p.available + q,
          })),
        };
      case "stock.reserved": {
        const { orderId, items } = event.data;
        return {
          products: moveStock(state.products, items, (p, q) => ({
            available: p.available - q,
            reserved: p.reserved + q,
          })),
          orders: state.orders.set(orderId, { status: "reserved", items }),
        };
      }
      case "stock.rejected":
        return {
          ...state,
          orders: state.orders.set(event.data.orderId, { status: "rejected", items: [] }),
        };
      case "stock.released": {
        const { orderId, items } = event.data;
        return {
          products: moveStock(state.products, items, (p, q) => ({
            available: p.available + q,
            reserved: p.reserved - q,
          })),
          orders: state.orders.set(orderId, { status: "released", items }),
        };
      }
      case "stock.committed": {
        const { orderId, items } = event.data;
        return {
          products: moveStock(state.products, items, (p, q) => ({
            reserved: p.reserved - q,
            sold: p.sold + q,
          })),
          orders: state.orders.set(orderId, { status: "committed", items }),
        };
      }
      default: {
        const unknown: never = event;
        throw new Error(`unhandled ${JSON.stringify(unknown)}`);
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case "DefineProduct":
        return decideDefine(command, state);
      case "Restock":
        return decideRestock(command, state);
      case "ReserveForOrder":
        return decideReserve(command, state);
      case "ReleaseForOrder":
        return decideRelease(command, state);
      case "CommitForOrder":
        return decideCommit(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`unhandled ${JSON.stringify(unknown)}`);
      }
    }
  },
};
