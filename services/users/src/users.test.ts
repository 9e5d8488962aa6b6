import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ServiceTestBed, startServiceTestBed } from "@shop/shared/testing";

let bed: ServiceTestBed;

beforeAll(async () => {
  bed = await startServiceTestBed({ name: "users", entry: `${import.meta.dir}/main.ts` });
});

afterAll(async () => {
  await bed?.stop();
});

type User = { id: string; email: string; name: string };
type Problem = { status: number; code: string };

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
});
