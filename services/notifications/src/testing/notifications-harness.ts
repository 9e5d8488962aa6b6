import { contracts, streams, subjects } from "@shop/shared/contracts";
import { type ConsumerSpec, decodeEvent } from "@shop/shared/kit";
import { eventsOfAggregate, startServiceTestBed, waitFor, waitUntil } from "@shop/shared/testing";

/** A notification as `GET /notifications` lists it. */
export interface ListedNotification {
  id: string;
  userId: string;
  channel: string;
  template: string;
  orderId: string | null;
  recipient: string;
  recordedAt: string;
  deliveredAt: string | null;
  sender: string | null;
}

export interface TestUser {
  userId: string;
  email: string;
  name: string;
}

export type NotificationsHarness = Awaited<ReturnType<typeof startNotificationsHarness>>;

/**
 * A nats-server of its own, the notifications service as a process against it (with `env`
 * over the defaults), and a client that publishes the events the service consumes.
 */
export async function startNotificationsHarness(env: Record<string, string> = {}) {
  const bed = await startServiceTestBed({
    name: "notifications",
    entry: `${import.meta.dir}/../main.ts`,
    env,
  });
  const { client, publisher } = bed;

  const newUser = (): TestUser => {
    const userId = `u-${crypto.randomUUID()}`;
    return { userId, email: `${userId}@example.com`, name: "Ada" };
  };

  const events = {
    userRegistered: (user: TestUser) =>
      publisher.envelope(
        { type: "user.registered", data: user },
        { subject: subjects.user(user.userId) },
      ),
    orderConfirmed: (orderId: string, userId: string) =>
      publisher.envelope(
        { type: "order.confirmed", data: { orderId, userId, totalCents: 2_400 } },
        { subject: subjects.order(orderId) },
      ),
    orderCancelled: (orderId: string, userId: string) =>
      publisher.envelope(
        { type: "order.cancelled", data: { orderId, userId, reason: "payment_declined" } },
        { subject: subjects.order(orderId) },
      ),
  };

  const list = (query: string) =>
    bed.api<{ notifications: ListedNotification[] }>("GET", `/notifications${query}`);

  /** The user's notifications once exactly `count` are listed and all delivered. */
  const deliveredNotifications = (userId: string, count: number) =>
    waitFor(
      async () => {
        const { notifications } = (await list(`?userId=${userId}`)).body;
        const done =
          notifications.length === count && notifications.every((n) => n.deliveredAt !== null);
        return done ? notifications : undefined;
      },
      { timeoutMs: 10_000, message: `${count} delivered notifications for ${userId}` },
    );

  /** The types of the events stored for one notification, in order. */
  const notificationEventTypes = async (notificationId: string) => {
    const messages = await eventsOfAggregate(
      client,
      streams.notifications.name,
      subjects.notification(notificationId),
    );
    return messages.map((message) => decodeEvent(contracts, message).type);
  };

  /** Resolves once `spec`'s consumer has settled everything in its stream up to `sequence`. */
  const handledUpTo = (spec: ConsumerSpec, sequence: number) =>
    waitUntil(
      async () => {
        const info = await client.jsm.consumers.info(spec.stream, spec.durable);
        return (
          info.ack_floor.stream_seq >= sequence &&
          info.num_pending === 0 &&
          info.num_ack_pending === 0
        );
      },
      { timeoutMs: 10_000, message: `${spec.durable} to settle up to ${sequence}` },
    );

  return {
    ...bed,
    newUser,
    events,
    list,
    deliveredNotifications,
    notificationEventTypes,
    handledUpTo,
  };
}
