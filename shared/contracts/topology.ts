import { SNAPSHOT_STREAM } from "../kit/aggregates/snapshots.ts";
import { DEAD_LETTER_STREAM } from "../kit/consumers/dead-letter.ts";
import type { ConsumerSpec, StreamSpec } from "../kit/nats/topology.ts";

const token = (value: string) => {
  if (!/^[A-Za-z0-9_-]+$/.test(value))
    throw new Error(`not a subject token: ${JSON.stringify(value)}`);
  return value;
};

/** Subject builders: the only place subject names are spelled. */
export const subjects = {
  /** A user's registration, keyed by a digest of the normalized email (emails are not subject-safe). */
  user: (emailKey: string) => `users.${token(emailKey)}`,
  order: (orderId: string) => `orders.${token(orderId)}`,
  /** One sku's catalog entry and stock: an aggregate holding only its open reservations. */
  sku: (sku: string) => `inventory.sku.${token(sku)}`,
  /** What inventory answered for one order (reserved, rejected, released, committed). */
  orderStock: (orderId: string) => `inventory.order.${token(orderId)}`,
  /** Every event of a stream's aggregates, for projections and consumers. */
  allUsers: "users.>",
  allInventory: "inventory.>",
  allSkus: "inventory.sku.>",
  allOrderStock: "inventory.order.>",
  allOrders: "orders.>",
  allPayments: "payments.>",
  allNotifications: "notifications.>",
  payment: (orderId: string) => `payments.${token(orderId)}`,
  notification: (notificationId: string) => `notifications.${token(notificationId)}`,
} as const;

/**
 * Every stream of the shop. Each is an event store (Limits retention, deletes denied);
 * an aggregate's events share one subject, guarded with `expect.lastSubjectSequence`.
 */
export const streams = {
  users: {
    name: "USERS",
    subjects: [subjects.allUsers],
    description: "User registrations, one subject per email.",
  },
  orders: {
    name: "ORDERS",
    subjects: [subjects.allOrders],
    description: "Order lifecycle, one subject per order.",
  },
  inventory: {
    name: "INVENTORY",
    subjects: [subjects.allInventory],
    description: "Catalog and stock per sku; inventory's answer per order.",
  },
  payments: {
    name: "PAYMENTS",
    subjects: [subjects.allPayments],
    description: "Payments, one subject per order.",
  },
  notifications: {
    name: "NOTIFICATIONS",
    subjects: [subjects.allNotifications],
    description: "Notifications, one subject per notification.",
  },
  deadLetter: DEAD_LETTER_STREAM,
  snapshots: SNAPSHOT_STREAM,
} as const satisfies Record<string, StreamSpec>;

const consumer = (
  stream: StreamSpec,
  durable: string,
  description: string,
  settings: Partial<Pick<ConsumerSpec, "filterSubject" | "retry">> = {},
): ConsumerSpec => ({
  stream: stream.name,
  durable,
  filterSubject: stream.subjects[0] as string,
  description,
  ...settings,
});

/** Durable consumers. A durable name is persistent state: renaming one replays or skips history. */
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
    { filterSubject: subjects.allOrderStock },
  ),
  paymentsOnOrders: consumer(
    streams.orders,
    "payments-on-orders",
    "Refunds or voids payment when an order is cancelled.",
  ),
  ordersOnInventory: consumer(
    streams.inventory,
    "orders-on-inventory",
    "Cancels orders whose stock was rejected.",
    { filterSubject: subjects.allOrderStock },
  ),
  ordersOnPayments: consumer(
    streams.payments,
    "orders-on-payments",
    "Confirms paid orders, cancels declined ones.",
  ),
  notificationsOnUsers: consumer(streams.users, "notifications-on-users", "Welcomes new users."),
  notificationsOnOrders: consumer(
    streams.orders,
    "notifications-on-orders",
    "Tells customers their order was confirmed or cancelled.",
    // Waits for the recipient (its own read model of USERS) or the webhook: the kit's
    // default retry horizon (10 minutes) covers both.
  ),
} as const satisfies Record<string, ConsumerSpec>;
