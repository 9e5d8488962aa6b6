import { SNAPSHOT_STREAM } from "../kit/aggregates/snapshots.ts";
import { DEAD_LETTER_STREAM } from "../kit/consumers/dead-letter.ts";
import { eventFilters } from "../kit/events/event-subject.ts";
import type { ConsumerSpec, StreamSpec } from "../kit/nats/topology.ts";
import { stockRejected, stockReserved } from "./inventory.ts";
import { orderCancelled, orderConfirmed } from "./orders.ts";
import { paymentCaptured, paymentDeclined } from "./payments.ts";

const token = (value: string) => {
  if (!/^[A-Za-z0-9_-]+$/.test(value))
    throw new Error(`not a subject token: ${JSON.stringify(value)}`);
  return value;
};

/**
 * The subject prefix of each kind of aggregate (one token per id follows): what
 * `eventFilters(prefix, types)` turns into per-type filters such as `orders.*.order.cancelled`.
 */
export const aggregatePrefixes = {
  users: "users",
  orders: "orders",
  skus: "inventory.sku",
  orderStock: "inventory.order",
  payments: "payments",
  notifications: "notifications",
} as const;

const P = aggregatePrefixes;
const all = (prefix: string) => `${prefix}.>`;

/**
 * Subject builders: the only place subject names are spelled. Each names an aggregate; its
 * events are stored on the aggregate's subject followed by their type
 * (`orders.<id>.order.placed`, see the kit's `eventSubject`), so consumers filter by type on
 * the server.
 */
export const subjects = {
  /** A user's registration, keyed by a digest of the normalized email (emails are not subject-safe). */
  user: (emailKey: string) => `${P.users}.${token(emailKey)}`,
  order: (orderId: string) => `${P.orders}.${token(orderId)}`,
  /** One sku's catalog entry and stock counts. */
  sku: (sku: string) => `${P.skus}.${token(sku)}`,
  /** What inventory answered for one order (reserved, rejected, released, committed). */
  orderStock: (orderId: string) => `${P.orderStock}.${token(orderId)}`,
  payment: (orderId: string) => `${P.payments}.${token(orderId)}`,
  notification: (notificationId: string) => `${P.notifications}.${token(notificationId)}`,
  /** Every event of a stream's aggregates, for projections and consumers. */
  allUsers: all(P.users),
  allInventory: "inventory.>",
  allSkus: all(P.skus),
  allOrderStock: all(P.orderStock),
  allOrders: all(P.orders),
  allPayments: all(P.payments),
  allNotifications: all(P.notifications),
} as const;

/** `orders` → `orders.*.>`: only an aggregate's typed subjects are stored, never `orders.<id>` alone. */
const typed = (prefix: string) => `${prefix}.*.>`;

/**
 * Every stream of the shop. Each is an event store (Limits retention, deletes denied); an
 * aggregate's events are guarded together with `expect.lastSubjectSequence` over
 * `<aggregate>.>`.
 */
export const streams = {
  users: {
    name: "USERS",
    subjects: [typed(P.users)],
    description: "User registrations, one aggregate per email.",
  },
  orders: {
    name: "ORDERS",
    subjects: [typed(P.orders)],
    description: "Order lifecycle, one aggregate per order.",
  },
  inventory: {
    name: "INVENTORY",
    subjects: [typed(P.skus), typed(P.orderStock)],
    description: "Catalog and stock per sku; inventory's answer per order.",
  },
  payments: {
    name: "PAYMENTS",
    subjects: [typed(P.payments)],
    description: "Payments, one aggregate per order.",
  },
  notifications: {
    name: "NOTIFICATIONS",
    subjects: [typed(P.notifications)],
    description: "Notifications, one aggregate per notification.",
  },
  deadLetter: DEAD_LETTER_STREAM,
  snapshots: SNAPSHOT_STREAM,
} as const satisfies Record<string, StreamSpec>;

const consumer = (
  stream: StreamSpec,
  durable: string,
  description: string,
  settings: Partial<Pick<ConsumerSpec, "filterSubject" | "filterSubjects" | "retry">> = {},
): ConsumerSpec => ({
  stream: stream.name,
  durable,
  // The whole stream by default (`orders.>`); `filterSubjects` narrows it to some types.
  filterSubject: `${(stream.subjects[0] as string).split(".")[0]}.>`,
  description,
  ...settings,
});

/**
 * Durable consumers. A durable name is persistent state: renaming one replays or skips history.
 * A consumer that handles only some of a stream's event types asks the server for those alone.
 */
export const consumers = {
  inventoryOnOrders: consumer(
    streams.orders,
    "inventory-on-orders",
    "Reserves, releases and commits stock for orders.",
  ),
  paymentsOnInventory: consumer(
    streams.inventory,
    "payments-on-inventory",
    "Captures payment once stock is reserved.",
    { filterSubjects: eventFilters(P.orderStock, [stockReserved.type]) },
  ),
  paymentsOnOrders: consumer(
    streams.orders,
    "payments-on-orders",
    "Refunds or voids payment when an order is cancelled.",
    { filterSubjects: eventFilters(P.orders, [orderCancelled.type]) },
  ),
  ordersOnInventory: consumer(
    streams.inventory,
    "orders-on-inventory",
    "Cancels orders whose stock was rejected.",
    { filterSubjects: eventFilters(P.orderStock, [stockRejected.type]) },
  ),
  ordersOnPayments: consumer(
    streams.payments,
    "orders-on-payments",
    "Confirms paid orders, cancels declined ones.",
    {
      filterSubjects: eventFilters(P.payments, [paymentCaptured.type, paymentDeclined.type]),
    },
  ),
  notificationsOnUsers: consumer(streams.users, "notifications-on-users", "Welcomes new users."),
  notificationsOnOrders: consumer(
    streams.orders,
    "notifications-on-orders",
    "Tells customers their order was confirmed or cancelled.",
    {
      filterSubjects: eventFilters(P.orders, [orderConfirmed.type, orderCancelled.type]),
    },
    // Waits for the recipient (its own read model of USERS) or the webhook: the kit's
    // default retry horizon (10 minutes) covers both.
  ),
} as const satisfies Record<string, ConsumerSpec>;
