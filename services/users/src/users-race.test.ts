import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { streams, subjects } from "@shop/shared/contracts";
import {
  eventsOfAggregate,
  type ServiceTestBed,
  startServiceTestBed,
  waitUntil,
} from "@shop/shared/testing";
import { emailKey } from "./app/register-user.ts";

// Two users processes on one broker: registrations of one email that land on different
// processes are decided at once, so only the broker's expected-sequence guard on the email's
// subject can keep a second account out (each process's lock sees only its own requests).
const REPLICAS = 2;
const PER_PROCESS = 5;

let bed: ServiceTestBed;

beforeAll(async () => {
  bed = await startServiceTestBed({
    name: "users",
    entry: `${import.meta.dir}/main.ts`,
    replicas: REPLICAS,
  });
});

afterAll(async () => {
  await bed?.stop();
});

type Answer = { status: number; body: { id?: string; code?: string; userId?: string } };

/** POST /users on one process, with an optional Idempotency-Key. */
async function register(replica: number, email: string, name: string, idempotencyKey?: string) {
  const process = bed.replicas[replica];
  if (!process) throw new Error(`no users process ${replica}`);
  const response = await fetch(`${process.url}/users`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    },
    body: JSON.stringify({ email, name }),
  });
  return { status: response.status, body: await response.json() } as Answer;
}

/** The same registration sent PER_PROCESS times to every process at once. */
const raceOnEveryProcess = (send: (replica: number, i: number) => Promise<Answer>) =>
  Promise.all(Array.from({ length: REPLICAS * PER_PROCESS }, (_, i) => send(i % REPLICAS, i)));

const registered = (answer: Answer) => answer.status === 201 || answer.status === 202;

/** The user.registered events stored on the email's subject. */
async function storedRegistrations(email: string) {
  const subject = subjects.user(emailKey(email));
  return (await eventsOfAggregate(bed.client, streams.users.name, subject)).length;
}

/** Every process's read model finds the user by id. */
async function expectEveryProcessToRead(id: string, email: string) {
  for (let replica = 0; replica < REPLICAS; replica++) {
    await waitUntil(async () => (await bed.apiAt(replica, "GET", `/users/${id}`)).status === 200, {
      message: `users process ${replica} to read user ${id}`,
    });
    expect((await bed.apiAt(replica, "GET", `/users/${id}`)).body).toMatchObject({ id, email });
  }
}

describe("users scaled out to two processes on one broker", () => {
  test("registrations of one email racing on both processes register one user; every other answer is a 409 naming it", async () => {
    const email = "scaled-race@example.com";
    const answers = await raceOnEveryProcess((replica, i) =>
      register(replica, email, `Racer ${i}`),
    );

    const winners = answers.filter(registered);
    expect(winners).toHaveLength(1);
    const id = winners[0]?.body.id as string;
    const refused = answers.filter((answer) => !registered(answer));
    expect(refused).toHaveLength(REPLICAS * PER_PROCESS - 1);
    for (const answer of refused)
      expect(answer).toEqual({
        status: 409,
        body: expect.objectContaining({ code: "user.email-taken", userId: id }),
      });
    expect(await storedRegistrations(email)).toBe(1);
    await expectEveryProcessToRead(id, email);
  });

  test("racing registrations of one email with different Idempotency-Keys register one user", async () => {
    const email = "scaled-keys@example.com";
    const answers = await raceOnEveryProcess((replica, i) =>
      register(replica, email, `Keyed ${i}`, `scaled-key-${i}`),
    );

    const winners = answers.filter(registered);
    expect(winners).toHaveLength(1);
    const id = winners[0]?.body.id as string;
    for (const answer of answers.filter((a) => !registered(a)))
      expect(answer).toEqual({
        status: 409,
        body: expect.objectContaining({ code: "user.email-taken", userId: id }),
      });
    expect(await storedRegistrations(email)).toBe(1);
    await expectEveryProcessToRead(id, email);
  });

  test("one registration resent to both processes at once with its Idempotency-Key answers with one user", async () => {
    const email = "scaled-resend@example.com";
    // Held twice over at the broker: the event id derived from the key is deduplicated, and the
    // email subject's guard refuses a second append.
    const answers = await raceOnEveryProcess((replica) =>
      register(replica, email, "Resent", "scaled-resend-key"),
    );

    expect(answers.every(registered)).toBe(true);
    const ids = new Set(answers.map((answer) => answer.body.id));
    expect(ids.size).toBe(1);
    expect(await storedRegistrations(email)).toBe(1);
    await expectEveryProcessToRead([...ids][0] as string, email);
  });
});
