import {
  productDefined,
  skuSchema,
  stockCommitted,
  stockHeld,
  stockRejected,
  stockReleased,
  stockReserved,
  stockRestocked,
  stockSold,
  stockUnheld,
  subjects,
} from "@shop/shared/contracts";
import { type Decider, type EventOf, notFound, validationError } from "@shop/shared/domain";

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
export type Restock = {
  type: "Restock";
  sku: string;
  quantity: number;
  /** Names the request: a restock the sku has recently applied under this id adds nothing. */
  restockId?: string;
};
export type SkuCommand = DefineProduct | Restock;

export type StockEvent =
  | EventOf<typeof productDefined>
  | EventOf<typeof stockRestocked>
  | EventOf<typeof stockHeld>
  | EventOf<typeof stockUnheld>
  | EventOf<typeof stockSold>
  | EventOf<typeof stockReserved>
  | EventOf<typeof stockRejected>
  | EventOf<typeof stockReleased>
  | EventOf<typeof stockCommitted>;

/**
 * One sku: its catalog entry and its counts. Which order holds what is on the order's subject
 * (`OrderStock`), which every release and commit decides on: the sku keeps counts only, so its
 * state and each event's fold stay the same size however many orders are open on it.
 */
export interface SkuStock {
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  sold: number;
  /** The last RECENT_RESTOCKS restock ids applied, oldest first: what a retried restock checks. */
  recentRestocks?: readonly string[];
}

/** How many restock ids a sku remembers: enough for retries, bounded however long it sells. */
export const RECENT_RESTOCKS = 64;

export interface OrderStock {
  status: "reserved" | "rejected" | "released" | "committed";
  /** What the order holds (reserved) or held (released, committed); empty when rejected. */
  items: StockLine[];
}

/**
 * The state of one inventory subject: a sku's subject folds into `sku`, an order's into
 * `order`. One state type lets a reservation decide over both kinds in one atomic batch.
 */
export interface StockState {
  sku?: SkuStock;
  order?: OrderStock;
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

/** Adds up the lines of one sku, keeping the order in which skus first appear. */
export function totalBySku(items: readonly StockLine[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) {
    requireSku(sku);
    requireQuantity(sku, quantity);
    totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  }
  return [...totals].map(([sku, quantity]) => ({ sku, quantity }));
}

function evolveSku(sku: SkuStock | undefined, event: StockEvent): SkuStock | undefined {
  switch (event.type) {
    case "product.defined": {
      const { name, priceCents } = event.data;
      return { available: 0, reserved: 0, sold: 0, ...sku, name, priceCents };
    }
    case "stock.restocked": {
      const { quantity, restockId } = event.data;
      if (!sku) return sku;
      const recentRestocks = restockId
        ? [...(sku.recentRestocks ?? []), restockId].slice(-RECENT_RESTOCKS)
        : sku.recentRestocks;
      return { ...sku, available: sku.available + quantity, recentRestocks };
    }
    case "stock.held": {
      const { quantity } = event.data;
      return (
        sku && {
          ...sku,
          available: sku.available - quantity,
          reserved: sku.reserved + quantity,
        }
      );
    }
    case "stock.unheld": {
      const { quantity } = event.data;
      return (
        sku && {
          ...sku,
          available: sku.available + quantity,
          reserved: sku.reserved - quantity,
        }
      );
    }
    case "stock.sold": {
      const { quantity } = event.data;
      return (
        sku && {
          ...sku,
          reserved: sku.reserved - quantity,
          sold: sku.sold + quantity,
        }
      );
    }
    default:
      return sku;
  }
}

function evolveOrder(order: OrderStock | undefined, event: StockEvent): OrderStock | undefined {
  switch (event.type) {
    case "stock.reserved":
      return { status: "reserved", items: event.data.items };
    case "stock.rejected":
      return { status: "rejected", items: [] };
    case "stock.released":
      return { status: "released", items: event.data.items };
    case "stock.committed":
      return { status: "committed", items: event.data.items };
    default:
      return order;
  }
}

function decideDefine(command: DefineProduct, state: StockState): StockEvent[] {
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
  if (state.sku?.name === name && state.sku.priceCents === priceCents) return [];
  return [{ type: "product.defined", data: { sku, name, priceCents } }];
}

function decideRestock(command: Restock, state: StockState): StockEvent[] {
  const { sku, quantity, restockId } = command;
  if (!state.sku) throw notFound("product.not-found", `no product ${sku}`, { sku });
  requireQuantity(sku, quantity);
  if (restockId && state.sku.recentRestocks?.includes(restockId)) return [];
  return [
    { type: "stock.restocked", data: { sku, quantity, ...(restockId ? { restockId } : {}) } },
  ];
}

/**
 * A sku as an aggregate on its own subject (catalog entry and stock), and the evolve that
 * also folds an order's stock subject. Reservations, releases and commits span several
 * subjects: see `reserve`, `release` and `commit`.
 */
export const stockDecider: Decider<SkuCommand, StockEvent, StockState> = {
  events: [
    productDefined,
    stockRestocked,
    stockHeld,
    stockUnheld,
    stockSold,
    stockReserved,
    stockRejected,
    stockReleased,
    stockCommitted,
  ],
  initialState: {},
  evolve: (state, event) => {
    const sku = evolveSku(state.sku, event);
    const order = evolveOrder(state.order, event);
    return sku === state.sku && order === state.order ? state : { sku, order };
  },
  decide(command, state) {
    switch (command.type) {
      case "DefineProduct":
        return decideDefine(command, state);
      case "Restock":
        return decideRestock(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`unhandled ${JSON.stringify(unknown)}`);
      }
    }
  },
};

/** An event and the inventory subject it belongs on. */
export interface Placed {
  subject: string;
  event: StockEvent;
}

/** The order's answer on its subject, with one movement per sku line on the sku's subject. */
function answerWithMovements(
  orderId: string,
  answer: StockEvent,
  items: readonly StockLine[],
  movement: "stock.held" | "stock.unheld" | "stock.sold",
): Placed[] {
  return [
    { subject: subjects.orderStock(orderId), event: answer },
    ...items.map(({ sku, quantity }) => ({
      subject: subjects.sku(sku),
      event: { type: movement, data: { sku, orderId, quantity } } as StockEvent,
    })),
  ];
}

/** The subjects a decision about this order's stock reads and guards. */
export const subjectsFor = (orderId: string, items: readonly StockLine[]) => [
  subjects.orderStock(orderId),
  ...items.map(({ sku }) => subjects.sku(sku)),
];

/**
 * All or none: holds every line of the order on its sku, or refuses the whole order. An order
 * inventory already answered gets nothing new (a redelivered order.placed, or one placed
 * after its cancellation left a tombstone).
 */
export const reserve =
  (orderId: string, lines: readonly StockLine[]) =>
  (states: ReadonlyMap<string, StockState>): Placed[] => {
    const orderSubject = subjects.orderStock(orderId);
    if (states.get(orderSubject)?.order) return [];
    if (lines.length === 0)
      throw validationError("stock.no-items", `order ${orderId} has no items to reserve`, {
        orderId,
      });
    const items = totalBySku(lines);
    const shortages = items
      .map(({ sku, quantity }) => ({
        sku,
        requested: quantity,
        available: states.get(subjects.sku(sku))?.sku?.available ?? 0,
      }))
      .filter((line) => line.available < line.requested);
    if (shortages.length > 0)
      return [
        { subject: orderSubject, event: { type: "stock.rejected", data: { orderId, shortages } } },
      ];
    return answerWithMovements(
      orderId,
      { type: "stock.reserved", data: { orderId, items } },
      items,
      "stock.held",
    );
  };

/** Gives back what the order holds. Before any reservation it leaves a tombstone, so a late order.placed holds nothing. */
export const release =
  (orderId: string) =>
  (states: ReadonlyMap<string, StockState>): Placed[] => {
    const orderSubject = subjects.orderStock(orderId);
    const order = states.get(orderSubject)?.order;
    if (!order)
      return [
        { subject: orderSubject, event: { type: "stock.released", data: { orderId, items: [] } } },
      ];
    if (order.status !== "reserved") return [];
    return answerWithMovements(
      orderId,
      { type: "stock.released", data: { orderId, items: order.items } },
      order.items,
      "stock.unheld",
    );
  };

/** Sells what the order holds; nothing when it holds nothing. */
export const commit =
  (orderId: string) =>
  (states: ReadonlyMap<string, StockState>): Placed[] => {
    const orderSubject = subjects.orderStock(orderId);
    const order = states.get(orderSubject)?.order;
    if (order?.status !== "reserved") return [];
    return answerWithMovements(
      orderId,
      { type: "stock.committed", data: { orderId, items: order.items } },
      order.items,
      "stock.sold",
    );
  };
