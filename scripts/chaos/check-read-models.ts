import type { Facts } from "./fold.ts";
import { isAnswer, send } from "./http-client.ts";
import type { ViolationLog } from "./violations.ts";

export interface ReadModelUrls {
  orders: string;
  payments: string;
  notifications: string;
  users: string;
}

const CONCURRENCY = 8;

async function eachLimited<T>(items: T[], fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function getJson(baseUrl: string, path: string, n: number) {
  const answer = await send({
    baseUrl,
    method: "GET",
    path,
    requestId: `check-${n}`,
    timeoutMs: 10_000,
  });
  return isAnswer(answer) ? answer : { status: 0, json: undefined, text: answer.error };
}

/**
 * Each read model agrees with its stream: every order in ORDERS reads back with the same
 * status, reason, total and user; every order's payment reads back with the latest
 * PAYMENTS fact; each user's notifications are as many as NOTIFICATIONS records, and each
 * registered user reads back.
 */
export async function checkReadModels(
  facts: Facts,
  urls: ReadModelUrls,
  users: readonly string[],
  violations: ViolationLog,
): Promise<void> {
  let n = 0;
  await eachLimited(
    [...facts.orders].filter(([, o]) => o.placed),
    async ([orderId, o]) => {
      const answer = await getJson(urls.orders, `/orders/${orderId}`, n++);
      const first = o.terminals[0];
      const want = {
        status: first ? (first.type === "order.confirmed" ? "confirmed" : "cancelled") : "pending",
        reason: first?.reason ?? null,
        totalCents: o.placed?.totalCents,
        userId: o.placed?.userId,
      };
      const got = answer.json ?? {};
      if (answer.status !== 200) {
        violations.add(
          "read-model-orders",
          orderId,
          `GET /orders/${orderId} → ${answer.status}; the stream says ${want.status}`,
        );
      } else if (Object.entries(want).some(([k, v]) => got[k] !== v)) {
        violations.add(
          "read-model-orders",
          orderId,
          `read ${JSON.stringify({ status: got.status, reason: got.reason, totalCents: got.totalCents, userId: got.userId })}, stream ${JSON.stringify(want)}`,
        );
      }
    },
  );
  await eachLimited([...facts.payments], async ([orderId, p]) => {
    const answer = await getJson(urls.payments, `/payments?orderId=${orderId}`, n++);
    const rows: any[] = answer.json?.payments ?? [];
    const last = p.last;
    if (
      answer.status !== 200 ||
      rows.length !== 1 ||
      !last ||
      rows[0].status !== last.status ||
      (last.status !== "voided" && rows[0].amountCents !== last.amountCents)
    )
      violations.add(
        "read-model-payments",
        orderId,
        `GET /payments?orderId → ${answer.status} ${JSON.stringify(rows.map((r) => ({ status: r.status, amountCents: r.amountCents })))}; the stream's latest: ${JSON.stringify(last)}`,
      );
  });
  await eachLimited([...users], async (userId) => {
    const user = await getJson(urls.users, `/users/${userId}`, n++);
    if (user.status !== 200)
      violations.add("read-model-users", userId, `GET /users/${userId} → ${user.status}`);
    const answer = await getJson(urls.notifications, `/notifications?userId=${userId}`, n++);
    const count = answer.json?.notifications?.length;
    const want = facts.notificationsPerUser.get(userId) ?? 0;
    if (answer.status !== 200 || count !== want)
      violations.add(
        "read-model-notifications",
        userId,
        `GET /notifications → ${answer.status}, ${count} notifications; the stream records ${want}`,
      );
  });
}
