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
  /** The whole stock ledger is one aggregate, so a reservation across SKUs is one guarded append. */
  stockLedger: "inventory.stock",
  /** Every event of a stream's aggregates, for projections and consumers. */
  allUsers: "users.>",
  allInventory: "inventory.>",
  allOrders: "orders.>",
  allPayments: "payments.>",
  allNotifications: "notifications.>",
  payment: (orderId: string) => `payments.${token(orderId)}`,
  notification: (notificationId: string) => `notifications.${token(notificationId)}`,
} as const;

/**
 * Every stream of the shop. Each is an event store (Limits retention, deletes denied);
 * an aggregate's events share one exact subject, the only unit JetStream 2.9 can guard
 * with `expect.lastSubjectSequence`.
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
    description: "Catalog and stock ledger.",
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
} as const satisfies Record<string, StreamSpec>;

const consumer = (
  stream: StreamSpec,
  durable: string,
  description: string,
  retries: Pick<ConsumerSpec, "maxDeliver" | "retryDelaysMs"> = {},
): ConsumerSpec => ({
  stream: stream.name,
  durable,
  filterSubject: stream.subjects[0] as string,
  description,
  ...retries,
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
    // Waits up to ~2.5 minutes for the recipient (its own read model of USERS) or the webhook.
    { maxDeliver: 10, retryDelaysMs: [200, 1_000, 5_000, 15_000, 30_000] },
  ),
} as const satisfies Record<string, ConsumerSpec>;
