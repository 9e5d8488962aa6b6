/**
 * Inventory after a long history: 100k orders' reservations and sales of one sku are stored
 * (the events inventory itself stores for them), then inventory restarts. Reports its time from spawn to ready, and how long the first reservation
 * after the restart takes, first with no snapshot (it folds the sku's whole history) and then,
 * after another restart, from the snapshot that fold left behind.
 */
import { orderPlaced, streams, subjects } from "@shop/shared/contracts";
import { createEventPublisher, type DomainEvent, eventSubject } from "@shop/shared/kit";
import { eventsOfAggregate, waitFor } from "@shop/shared/testing";
import type { Shop } from "../../tests/e2e/shop-harness.ts";
import { startBenchShop } from "./bench-shop.ts";

const SKU = "cold-item";

export async function benchInventoryColdStart(orders = 100_000) {
  const shop = await startBenchShop(["inventory"]);
  try {
    await shop.call("inventory", "PUT", `/products/${SKU}`, { name: SKU, priceCents: 100 });
    await shop.call("inventory", "POST", `/products/${SKU}/restock`, { quantity: 1_000_000 });
    // The history is written with plain publishes (a window of acks in flight): the events are
    // what inventory stores for settled orders; writing them as atomic batches, as inventory
    // does one order at a time, would only make the set-up slow (each batch is synced to disk).
    const publisher = createEventPublisher({ js: shop.js, source: "/bench" });
    const t0 = performance.now();
    const inFlight = new Set<Promise<unknown>>();
    for (let i = 0; i < orders; i++) {
      for (const batch of settledOrderBatches(`cold-${i}`)) {
        for (const { subject, event } of batch) {
          const p = publisher
            .publish(eventSubject(subject, event.type), publisher.envelope(event, { subject }))
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
          if (inFlight.size >= 1_000) await Promise.race(inFlight);
        }
      }
    }
    await Promise.all(inFlight);
    const historySeconds = +((performance.now() - t0) / 1000).toFixed(1);
    const historyMessages = (await shop.jsm.streams.info(streams.inventory.name)).state.messages;

    // Let the running inventory apply that history first: the restarts measure a restart, not
    // the catch-up of a backlog written a moment ago.
    await waitFor(
      async () => {
        const { body } = await shop.call("inventory", "GET", `/products/${SKU}`);
        return body?.sold === orders || undefined;
      },
      { timeoutMs: 600_000, intervalMs: 500, message: "inventory to apply the history" },
    );
    const restart = async () => {
      await shop.services.inventory.stop();
      const started = performance.now();
      await shop.services.inventory.restart();
      return Math.round(performance.now() - started);
    };
    const readyAfterRestartMs = await restart();
    const firstReservationNoSnapshotMs = await timeReservation(shop, "probe-1");
    const readyWithSnapshotMs = await restart();
    const firstReservationFromSnapshotMs = await timeReservation(shop, "probe-2");
    return {
      orders,
      historyMessages,
      historyWrittenInSeconds: historySeconds,
      readyAfterRestartMs,
      firstReservationNoSnapshotMs,
      readyWithSnapshotMs,
      firstReservationFromSnapshotMs,
    };
  } finally {
    await shop.stop();
  }
}

/** What inventory stores for one order that was reserved and then sold. */
function settledOrderBatches(orderId: string): { subject: string; event: DomainEvent }[][] {
  const items = [{ sku: SKU, quantity: 1 }];
  const line = { sku: SKU, orderId, quantity: 1 };
  return [
    [
      {
        subject: subjects.orderStock(orderId),
        event: { type: "stock.reserved", data: { orderId, items } },
      },
      { subject: subjects.sku(SKU), event: { type: "stock.held", data: line } },
    ],
    [
      {
        subject: subjects.orderStock(orderId),
        event: { type: "stock.committed", data: { orderId, items } },
      },
      { subject: subjects.sku(SKU), event: { type: "stock.sold", data: line } },
    ],
  ];
}

/** Publishes an order.placed and times until inventory has answered it. */
async function timeReservation(shop: Shop, orderId: string): Promise<number> {
  const publisher = createEventPublisher({ js: shop.js, source: "/bench" });
  const event = {
    type: orderPlaced.type,
    data: {
      orderId,
      userId: "u-bench",
      items: [{ sku: SKU, quantity: 1, unitPriceCents: 100 }],
      totalCents: 100,
      paymentMethod: "visa",
    },
  };
  const started = performance.now();
  await publisher.publish(
    eventSubject(subjects.order(orderId), event.type),
    publisher.envelope(event, { subject: subjects.order(orderId) }),
  );
  await waitFor(
    async () =>
      (await eventsOfAggregate(shop, streams.inventory.name, subjects.orderStock(orderId)))[0],
    { timeoutMs: 300_000, intervalMs: 5, message: `inventory to answer ${orderId}` },
  );
  return Math.round(performance.now() - started);
}
