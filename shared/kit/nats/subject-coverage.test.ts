import { expect, test } from "bun:test";
import { subjectMatches } from "./subject-coverage.ts";

test("subjects match patterns as NATS matches them", () => {
  expect(subjectMatches("orders.*.>", "orders.o1.order.placed")).toBe(true);
  expect(subjectMatches("orders.*.>", "orders.o1")).toBe(false);
  expect(subjectMatches("orders.>", "orders.o1")).toBe(true);
  expect(subjectMatches("orders.>", "orders")).toBe(false);
  expect(subjectMatches("orders.*", "orders.o1")).toBe(true);
  expect(subjectMatches("orders.*", "orders.o1.x")).toBe(false);
  expect(subjectMatches("inventory.sku.*.>", "inventory.order.o1.stock.reserved")).toBe(false);
  expect(subjectMatches("a.b", "a.b")).toBe(true);
  expect(subjectMatches("a.b", "a.c")).toBe(false);
});
