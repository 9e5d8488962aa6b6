import { describe, expect, test } from "bun:test";
import { dirname, join } from "node:path";
import { findNatsCli, waitFor } from "@shop/shared/testing";
import {
  claimableCommands,
  createCommandRunner,
  isLive,
  needsTerminal,
} from "./readme-commands.ts";
import {
  createUser,
  placeOrder,
  readStream,
  settledOrder,
  stockProduct,
  useShop,
} from "./shop-harness.ts";

/**
 * The README's nats CLI section is the script: every command line in its `sh` blocks runs here
 * as written, through bash, with NATS_URL pointing at this file's server. A comment saying
 * "until Ctrl-C" marks a live command (started in the background, interrupted with SIGINT);
 * "needs a terminal" marks one that runs in a pseudo-terminal.
 */
const README = join(import.meta.dir, "../../README.md");
const SECTION = "### Watching and publishing events with the `nats` CLI";

// Resolved when the file loads: without the pinned CLI the whole file fails, it never skips.
const cli = findNatsCli();
const shop = useShop();

const cliEnv = () => ({
  ...process.env,
  NATS_URL: shop.nats.url,
  PATH: `${dirname(cli.path)}:${process.env.PATH ?? ""}`,
});

const readme = claimableCommands(README, SECTION);
const { run, runInTerminal, startLive } = createCommandRunner(cliEnv);

const storedAt = (output: string) => {
  const match = /Stored in Stream: (\S+) Sequence: (\d+)/.exec(output);
  if (!match) throw new Error(`no "Stored in Stream" confirmation in:\n${output}`);
  return { stream: match[1], seq: Number(match[2]) };
};

const product = async (sku: string) =>
  (await shop.call("inventory", "GET", `/products/${sku}`)).body;

const decodeText = (data: Uint8Array | undefined) => new TextDecoder().decode(data);

/** What the README's publish commands stored, and the orders placed, for the later steps. */
const seen = {
  cliOrderId: "",
  normalOrderId: "",
  structuredSeq: 0,
  binarySeq: 0,
  malformedSeq: 0,
  orderIds: [] as string[],
};

describe("the README's nats CLI section, run against a running shop", () => {
  test("is made of nats commands, some live and some needing a terminal", () => {
    for (const c of readme.all) expect(c.text).toStartWith("nats ");
    expect(readme.all.filter(isLive).length).toBeGreaterThanOrEqual(1);
    expect(readme.all.filter(needsTerminal).length).toBeGreaterThanOrEqual(1);
  });

  test("nats pub of a structured and a binary-mode event changes inventory's products and orders' catalog, and nats sub shows them live", async () => {
    const live = await Promise.all(readme.takeAll(isLive).map(startLive));
    try {
      const structured = await run(readme.take(/^nats pub .*'\{"specversion"/s));
      expect(structured.code).toBe(0);
      const structuredAt = storedAt(structured.output);
      expect(structuredAt.stream).toBe("INVENTORY");
      seen.structuredSeq = structuredAt.seq;
      const defined = await waitFor(
        async () => {
          const p = await product("cli-tea");
          return p?.name === "CLI tea" ? p : undefined;
        },
        { message: "inventory to apply the product.defined published with nats pub" },
      );
      expect(defined).toMatchObject({ sku: "cli-tea", priceCents: 300, available: 0 });

      const binary = await run(readme.take(/^nats pub .* -H ce-specversion:1\.0 /s));
      expect(binary.code).toBe(0);
      const binaryAt = storedAt(binary.output);
      expect(binaryAt.stream).toBe("INVENTORY");
      seen.binarySeq = binaryAt.seq;
      const restocked = await waitFor(
        async () => {
          const p = await product("cli-tea");
          return p?.available === 5 ? p : undefined;
        },
        { message: "inventory to apply the stock.restocked published in binary mode" },
      );
      expect(restocked).toMatchObject({ name: "CLI tea", available: 5, reserved: 0, sold: 0 });

      // What the broker stored: the events as published, each with a fresh id from {{ID}}.
      const first = await shop.jsm.streams.getMessage("INVENTORY", { seq: structuredAt.seq });
      const event = JSON.parse(decodeText(first?.data));
      expect(first?.subject).toBe("inventory.sku.cli-tea.product.defined");
      expect(event).toMatchObject({ specversion: "1.0", type: "product.defined", source: "/cli" });
      expect(event.id).toMatch(/^[A-Za-z0-9]{22}$/);
      const second = await shop.jsm.streams.getMessage("INVENTORY", { seq: binaryAt.seq });
      expect(second?.header.get("ce-type")).toBe("stock.restocked");
      expect(second?.header.get("ce-id")).toMatch(/^[A-Za-z0-9]{22}$/);
      expect(second?.header.get("ce-id")).not.toBe(event.id);
      expect(JSON.parse(decodeText(second?.data))).toEqual({ sku: "cli-tea", quantity: 5 });

      // Orders' catalog learned the product and its price from those events: it prices the order.
      const userId = await createUser(shop, "cli@example.com", "Cli");
      const orderId = await placeOrder(shop, userId, [{ sku: "cli-tea", quantity: 1 }]);
      seen.cliOrderId = orderId;
      seen.orderIds.push(orderId);
      const { body: order } = await shop.call("orders", "GET", `/orders/${orderId}`);
      expect(order).toMatchObject({ totalCents: 300 });
      expect(order.items).toEqual([{ sku: "cli-tea", quantity: 1, unitPriceCents: 300 }]);

      for (const watcher of live) {
        const output = watcher.output();
        expect(output).toContain('Received on "inventory.sku.cli-tea.product.defined"');
        expect(output).toContain('"type":"product.defined"');
        expect(output).toContain("ce-type: stock.restocked");
        expect(output).toContain(`Received on "orders.${orderId}.order.placed"`);
        // As the README says: '>' shows JetStream API calls and acks too, the stream subjects do not.
        if (watcher.command.text === "nats sub '>'") {
          expect(output).toContain('Received on "$JS.API.');
          // Consumers ack after their handler's effects are stored: the acks follow shortly.
          await waitFor(
            async () => watcher.output().includes('Received on "$JS.ACK.') || undefined,
            { timeoutMs: 10_000, message: "nats sub '>' to show a consumer's ack" },
          );
        } else {
          expect(output).not.toContain('Received on "$JS.');
        }
        expect(await watcher.interrupt()).toBe(130); // what Ctrl-C does: SIGINT ends it
      }
    } finally {
      for (const watcher of live) await watcher.interrupt();
    }
  }, 60_000);

  test("nats pub 'not json' lands in DEADLETTER with its reason, and an order still goes from placed to confirmed", async () => {
    const malformed = await run(readme.take(/^nats pub .* 'not json'$/s));
    expect(malformed.code).toBe(0);
    const at = storedAt(malformed.output);
    expect(at.stream).toBe("INVENTORY");
    seen.malformedSeq = at.seq;

    // Both read models of the skus (inventory's products, orders' catalog) give up on it.
    const letters = await waitFor(
      async () => {
        const mine = (await readStream(shop, "DEADLETTER")).filter(
          (l) => l.event.streamSequence === at.seq,
        );
        const consumers = mine.map((l) => l.event.consumer);
        return consumers.includes("products") && consumers.includes("order-catalog")
          ? mine
          : undefined;
      },
      { message: "the malformed event's dead letters from products and order-catalog" },
    );
    for (const letter of letters) {
      expect(letter.subject).toBe(`deadletter.INVENTORY.${letter.event.consumer}`);
      expect(letter.event).toMatchObject({
        code: "event.malformed",
        stream: "INVENTORY",
        subject: "inventory.sku.cli-tea.product.defined",
        streamSequence: at.seq,
        payload: "not json",
      });
      expect(letter.event.reason).toStartWith("payload is not valid JSON");
    }

    // Nothing stopped: both read models take a new product, and an order for it is confirmed.
    await stockProduct(shop, "tea", 450, 10);
    const userId = await createUser(shop, "after-dead-letter@example.com", "After");
    const orderId = await placeOrder(shop, userId, [{ sku: "tea", quantity: 2 }]);
    seen.normalOrderId = orderId;
    seen.orderIds.push(orderId);
    const order = await settledOrder(shop, orderId);
    expect(order).toMatchObject({ status: "confirmed", totalCents: 900 });
    expect(order.history.map((h: { type: string }) => h.type)).toEqual(
      expect.arrayContaining([
        "order.placed",
        "stock.reserved",
        "payment.captured",
        "order.confirmed",
      ]),
    );
    const tea = await waitFor(
      async () => {
        const p = await product("tea");
        return p?.sold === 2 ? p : undefined;
      },
      { message: "inventory to sell the order's units" },
    );
    expect(tea).toMatchObject({ available: 8, reserved: 0, sold: 2 });
  }, 60_000);

  // Units restocked by anyone but this inventory process (here nats pub) are not in its cache:
  // a rejection guards only the order's subject, so the aggregate store re-reads every sku a
  // decision reads but does not write before it trusts the decision.
  test("an order for units restocked with nats pub is confirmed", async () => {
    const order = await settledOrder(shop, seen.cliOrderId);
    expect(order).toMatchObject({ status: "confirmed", totalCents: 300 });
  }, 30_000);

  test("nats stream info shows the stream's subjects and message count", async () => {
    const info = await shop.jsm.streams.info("INVENTORY");
    const { code, output } = await run(readme.take(/^nats stream info INVENTORY\b/));
    expect(code).toBe(0);
    expect(output).toContain("Information for Stream INVENTORY");
    expect(output).toMatch(/^\s+Subjects: inventory\.sku\.\*\.>, inventory\.order\.\*\.>$/m);
    expect(output).toMatch(new RegExp(`^\\s+Messages: ${info.state.messages}$`, "m"));
    expect(output).toMatch(new RegExp(`^\\s+Last Sequence: ${info.state.last_seq} @`, "m"));
  }, 30_000);

  test("nats consumer info shows the durable's name, its ack floor and what is still pending", async () => {
    const orders = await shop.jsm.streams.info("ORDERS");
    expect(orders.state.last_seq).toBe(4); // placed and settled, for each of the two orders
    const consumer = await waitFor(
      async () => {
        const c = await shop.jsm.consumers.info("ORDERS", "inventory-on-orders");
        return c.ack_floor.stream_seq === 4 && c.num_pending === 0 ? c : undefined;
      },
      { message: "inventory-on-orders to ack every ORDERS event" },
    );
    const { code, output } = await run(
      readme.take(/^nats consumer info ORDERS inventory-on-orders\b/),
    );
    expect(code).toBe(0);
    expect(output).toContain("Information for Consumer ORDERS > inventory-on-orders");
    expect(output).toMatch(/^\s+Name: inventory-on-orders$/m);
    expect(output).toMatch(/^\s+Ack Policy: Explicit$/m);
    expect(output).toMatch(
      new RegExp(
        `^\\s+Acknowledgment Floor: Consumer sequence: ${consumer.ack_floor.consumer_seq} Stream sequence: 4 `,
        "m",
      ),
    );
    expect(output).toMatch(/^\s+Outstanding Acks: 0 out of maximum /m);
    expect(output).toMatch(/^\s+Unprocessed Messages: 0$/m);
  }, 30_000);

  test("nats stream view shows a stream's history in a terminal, with headers and dead-letter reasons", async () => {
    const orders = await runInTerminal(readme.take(/^nats stream view ORDERS\b/));
    expect(orders.code).toBe(0);
    for (const orderId of seen.orderIds) {
      const entries = new RegExp(
        `^\\[\\d+\\] Subject: orders\\.${orderId}\\.order\\.\\w+ Received: `,
        "gm",
      );
      expect(orders.output.match(entries)?.length).toBe(2);
    }
    expect(orders.output.match(/"type":"order\.placed"/g)?.length).toBe(2);
    expect(orders.output).toMatch(
      new RegExp(`"type":"order\\.confirmed".*"data":\\{"orderId":"${seen.normalOrderId}"`),
    );
    expect(orders.output).toMatch(/^\s+ce-type: order\.placed$/m);
    expect(orders.output).toContain("Reached apparent end of data");

    const deadLetters = await runInTerminal(readme.take(/^nats stream view DEADLETTER\b/));
    expect(deadLetters.code).toBe(0);
    expect(deadLetters.output).toMatch(/^\[1\] Subject: deadletter\.INVENTORY\.\S+ Received: /m);
    expect(deadLetters.output).toContain('"reason":"payload is not valid JSON');
    expect(deadLetters.output).toContain('"payload":"not json"');
    expect(deadLetters.output).toContain(`"streamSequence":${seen.malformedSeq}`);
    expect(deadLetters.output).toContain("Reached apparent end of data");
  }, 60_000);

  test("nats sub --stream --all --wait prints a stream's whole history without a terminal, then exits", async () => {
    const info = await shop.jsm.streams.info("INVENTORY");
    const { code, output } = await run(readme.take(/^nats sub --stream INVENTORY --all\b/));
    expect(code).toBe(0);
    const received = [
      ...output.matchAll(/Received JetStream message: stream: INVENTORY seq: (\d+) /g),
    ];
    expect(received.map((m) => Number(m[1]))).toEqual(
      Array.from({ length: info.state.last_seq }, (_, i) => i + 1),
    );
    expect(output).toContain(`seq: ${seen.structuredSeq} / pending: `);
    expect(output).toContain('"type":"product.defined"');
    expect(output).toContain("ce-type: stock.restocked");
    expect(output).toMatch(/^not json$/m);
  }, 30_000);

  test("every command of the section has run", () => {
    expect(readme.unclaimed().map((c) => c.text)).toEqual([]);
  });
});
