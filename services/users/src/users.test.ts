import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { streams, subjects } from "@shop/shared/contracts";
import { eventsOfAggregate, type ServiceTestBed, startServiceTestBed } from "@shop/shared/testing";
import { emailKey } from "./app/register-user.ts";

let bed: ServiceTestBed;

beforeAll(async () => {
  bed = await startServiceTestBed({ name: "users", entry: `${import.meta.dir}/main.ts` });
});

afterAll(async () => {
  await bed?.stop();
});

type User = { id: string; email: string; name: string };
type Problem = { status: number; code: string; userId?: string };

/** POST /users as a client sends it, with an optional Idempotency-Key. */
async function postUser(body: unknown, idempotencyKey?: string) {
  const response = await fetch(`${bed.service.url}/users`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    location: response.headers.get("location"),
    contentType: response.headers.get("content-type"),
    body: (await response.json()) as User & Problem,
  };
}

const storedUsers = async () =>
  (await bed.client.jsm.streams.info(streams.users.name)).state.messages;
const registrationsOf = async (email: string) => {
  const subject = subjects.user(emailKey(email));
  return (await eventsOfAggregate(bed.client, streams.users.name, subject)).length;
};

describe("users service", () => {
  test("registers a user, readable at once by id", async () => {
    const created = await bed.api<User>("POST", "/users", {
      email: "Grace@Example.com",
      name: " Grace ",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: "grace@example.com", name: "Grace" });
    const read = await bed.api<User>("GET", `/users/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: created.body.id,
      email: "grace@example.com",
      name: "Grace",
    });
  });

  test("a second user with the same email is refused with 409, also when both requests race", async () => {
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        bed.api<User | Problem>("POST", "/users", {
          email: "race@example.com",
          name: `Racer ${i}`,
        }),
      ),
    );
    const statuses = attempts.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const refused = attempts.filter((a) => a.status === 409).map((a) => (a.body as Problem).code);
    expect(new Set(refused)).toEqual(new Set(["user.email-taken"]));
    const again = await bed.api<Problem>("POST", "/users", {
      email: "RACE@example.com",
      name: "Late",
    });
    expect(again.status).toBe(409);
  });

  test("bad input and unknown ids are answered with problem documents", async () => {
    const invalid = await bed.api<Problem>("POST", "/users", { email: "not-an-email", name: "" });
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe("request.invalid");
    const missing = await bed.api<Problem>("GET", "/users/no-such-user");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("user.not-found");
  });

  test("a registration resent with the same Idempotency-Key answers with the same user, stored once", async () => {
    const body = { email: "retry@example.com", name: "Retry" };
    const first = await postUser(body, "register-retry-1");
    expect(first.status).toBe(201);
    // The client never saw that answer (a timeout, a 503 from a proxy), so it sends again.
    const resent = await postUser(body, "register-retry-1");
    expect(resent.status).toBe(201);
    expect(resent.body).toEqual(first.body);
    expect(resent.location).toBe(`/users/${first.body.id}`);
    expect(await registrationsOf("retry@example.com")).toBe(1);
    const read = await bed.api<User>("GET", `/users/${first.body.id}`);
    expect(read.body).toMatchObject({ id: first.body.id, email: "retry@example.com" });
  });

  test("a repeated registration without a key is refused with a 409 that names the user", async () => {
    const first = await postUser({ email: "twice@example.com", name: "Twice" });
    expect(first.status).toBe(201);
    const again = await postUser({ email: "twice@example.com", name: "Twice" });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "user.email-taken", userId: first.body.id });
    // Another client's key does not take over the address either.
    const otherKey = await postUser({ email: "twice@example.com", name: "Other" }, "other-key");
    expect(otherKey.status).toBe(409);
    expect(otherKey.body.userId).toBe(first.body.id);
  });

  test("oversized input is refused with 413 or 422 before anything is stored, never 503", async () => {
    const before = await storedUsers();
    const longEmail = `${"a".repeat(250)}@example.com`;
    const tooLong = await postUser({ email: longEmail, name: "Long" });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.code).toBe("request.invalid");
    const longName = await postUser({ email: "name@example.com", name: "n".repeat(201) });
    expect(longName.status).toBe(422);
    for (const size of [1024 * 1024, 10 * 1024 * 1024]) {
      const huge = await postUser({ email: `${"a".repeat(size)}@example.com`, name: "Huge" });
      expect(huge.status).toBe(413);
      expect(huge.contentType).toBe("application/problem+json");
      expect(huge.body.code).toBe("request.too-large");
    }
    const badKey = await postUser({ email: "key@example.com", name: "Key" }, "k".repeat(201));
    expect(badKey.status).toBe(422);
    expect(await storedUsers()).toBe(before);
  });

  test("documents the Idempotency-Key header, the 202 answer and the bounds in /openapi.json", async () => {
    type Operation = {
      parameters: { name: string; in: string }[];
      responses: Record<string, unknown>;
      requestBody: {
        content: Record<string, { schema: { properties: Record<string, { maxLength?: number }> } }>;
      };
    };
    const document = await bed.api<{ paths: Record<string, { post?: Operation }> }>(
      "GET",
      "/openapi.json",
    );
    const register = document.body.paths["/users"]?.post as Operation;
    expect(register.parameters).toContainEqual(
      expect.objectContaining({ name: "idempotency-key", in: "header" }),
    );
    expect(Object.keys(register.responses)).toEqual(
      expect.arrayContaining(["201", "202", "409", "413", "422", "503"]),
    );
    const body = register.requestBody.content["application/json"]?.schema.properties;
    expect(body?.email?.maxLength).toBe(254);
  });
});
