import { describe, expect, test } from "bun:test";
import { buildAsyncApi } from "./asyncapi.ts";
import { contracts, streams } from "./index.ts";

describe("the AsyncAPI document", () => {
  const document = buildAsyncApi(contracts, Object.values(streams));

  test("lists every event contract as a message on its producer's stream", () => {
    const messages = Object.keys(document.components.messages).sort();
    expect(messages).toEqual(
      contracts
        .all()
        .map((c) => `${c.type}.v${c.version}`)
        .sort(),
    );
    const orders = document.channels.ORDERS as { messages: Record<string, unknown> };
    expect(Object.keys(orders.messages).sort()).toEqual([
      "order.cancelled.v1",
      "order.confirmed.v1",
      "order.placed.v1",
    ]);
  });

  test("describes each payload with the JSON Schema of its zod contract", () => {
    const placed = document.components.messages["order.placed.v1"] as {
      payload: { properties: { data: { required: string[] } } };
    };
    expect(placed.payload.properties.data.required).toEqual(
      expect.arrayContaining(["orderId", "userId", "items", "totalCents", "paymentMethod"]),
    );
  });
});

test("asyncapi.json at the repository root is up to date (npm run asyncapi)", async () => {
  const committed = await Bun.file(`${import.meta.dir}/../../asyncapi.json`).json();
  expect(committed).toEqual(buildAsyncApi(contracts, Object.values(streams)));
});
