import {
  type CancellationReason,
  orderCancelled,
  orderConfirmed,
  orderPlaced,
} from "@shop/shared/contracts";
import { conflict, type Decider, type EventOf } from "@shop/shared/domain";

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export type PlaceOrder = {
  type: "PlaceOrder";
  orderId: string;
  userId: string;
  items: OrderLine[];
  paymentMethod: string;
};
export type ConfirmOrder = { type: "ConfirmOrder"; orderId: string };
/** `by: "customer"` is refused once the order is settled; the saga's own cancellations are no-ops then. */
export type CancelOrder = {
  type: "CancelOrder";
  orderId: string;
  reason: CancellationReason;
  by: "customer" | "saga";
};
export type OrderCommand = PlaceOrder | ConfirmOrder | CancelOrder;

export type OrderEvent =
  | EventOf<typeof orderPlaced>
  | EventOf<typeof orderConfirmed>
  | EventOf<typeof orderCancelled>;

export type OrderState =
  | { status: "none" }
  | { status: "pending"; userId: string; totalCents: number }
  | { status: "confirmed"; userId: string; totalCents: number }
  | { status: "cancelled"; userId: string; reason: CancellationReason };

export const orderTotal = (items: readonly OrderLine[]) =>
  items.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);

function decidePlace(command: PlaceOrder, state: OrderState): OrderEvent[] {
  if (state.status !== "none")
    throw conflict("order.exists", `order ${command.orderId} already exists`);
  const { orderId, userId, items, paymentMethod } = command;
  return [
    {
      type: "order.placed",
      data: { orderId, userId, items, totalCents: orderTotal(items), paymentMethod },
    },
  ];
}

function decideCancel(command: CancelOrder, state: OrderState): OrderEvent[] {
  if (state.status === "pending") {
    return [
      {
        type: "order.cancelled",
        data: { orderId: command.orderId, userId: state.userId, reason: command.reason },
      },
    ];
  }
  if (command.by === "saga") return [];
  if (state.status === "none")
    throw conflict("order.not-placed", `order ${command.orderId} does not exist`);
  throw conflict(
    `order.already-${state.status}`,
    `order ${command.orderId} is already ${state.status}`,
  );
}

/** The order saga's state machine: pending until stock and payment settle it one way or the other. */
export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = {
  events: [orderPlaced, orderConfirmed, orderCancelled],
  initialState: { status: "none" },

  evolve(state, event) {
    switch (event.type) {
      case "order.placed":
        return { status: "pending", userId: event.data.userId, totalCents: event.data.totalCents };
      case "order.confirmed":
        return state.status === "pending" ? { ...state, status: "confirmed" } : state;
      case "order.cancelled":
        return { status: "cancelled", userId: event.data.userId, reason: event.data.reason };
      default: {
        const unknown: never = event;
        throw new Error(`unhandled ${JSON.stringify(unknown)}`);
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case "PlaceOrder":
        return decidePlace(command, state);
      case "ConfirmOrder":
        return state.status === "pending"
          ? [
              {
                type: "order.confirmed",
                data: {
                  orderId: command.orderId,
                  userId: state.userId,
                  totalCents: state.totalCents,
                },
              },
            ]
          : [];
      case "CancelOrder":
        return decideCancel(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`unhandled ${JSON.stringify(unknown)}`);
      }
    }
  },
};
