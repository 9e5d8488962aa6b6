import { type FuzzRequest, type FuzzTargets, validBase } from "./http-fuzz-routes.ts";
import type { Random } from "./random.ts";

const WEIRD_STRINGS = [
  "",
  " ",
  "null",
  "0",
  "-1",
  "1e309",
  "ü",
  "🦄🦄",
  "\u202eevil",
  "a\u0000b",
  "\ud800",
  "../../etc/passwd",
  "'; DROP TABLE orders; --",
  "<script>alert(1)</script>",
  "%00",
  "a".repeat(300),
  "x".repeat(70_000),
];
const WEIRD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53 + 1,
  1e308,
  "12",
  [],
  [1, 2],
  {},
  { $gt: "" },
  ...WEIRD_STRINGS,
];
const ODD_SEGMENTS = [
  "%00",
  "%2e%2e",
  "..",
  "%ZZ",
  "%20",
  "a%20b",
  "%C3%BC",
  "%F0%9F%A6%84",
  "%ED%A0%80",
  "x".repeat(5_000),
  "a.b",
  "%2F",
  "%252F",
  "*",
  ">",
  "-",
  "_",
];

/** The fields of a JSON object body; a body that is not one has none to mutate. */
function fieldsOf(body: string | undefined): Record<string, unknown> {
  if (!body) return {};
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** `text` (a JSON string literal's contents) as a path segment; a lone surrogate cannot be encoded, so it is sent raw. */
function pathSegmentOf(text: string): string {
  try {
    return encodeURIComponent(JSON.parse(`"${text}"`));
  } catch {
    return "%ED%A0%80";
  }
}

function mutateBody(body: string | undefined, random: Random): string {
  const parsed = fieldsOf(body);
  const keys = Object.keys(parsed);
  const field = keys.length > 0 ? random.pick(keys) : "x";
  switch (random.int(0, 4)) {
    case 0:
      parsed[field] = random.pick(WEIRD_VALUES);
      return JSON.stringify(parsed);
    case 1:
      delete parsed[field];
      return JSON.stringify(parsed);
    case 2:
      parsed[`extra${random.int(0, 9)}`] = random.pick(WEIRD_VALUES);
      return JSON.stringify(parsed);
    case 3:
      return JSON.stringify(random.pick([null, [], 42, "text", [parsed]]));
    default:
      return random.pick(["{", "{}}", "not json", "\ufeff{}", `{"a":${"[".repeat(10_000)}`, ""]);
  }
}

/** One fuzz request: a valid one twisted in a single, seeded way. */
export function fuzzRequest(t: FuzzTargets, random: Random): FuzzRequest {
  const base = validBase(t, random);
  const kind = random.weighted({
    "wrong-types": 20,
    "huge-body": 4,
    "bad-id": 14,
    "odd-path": 12,
    unicode: 10,
    "malformed-body": 10,
    "odd-method": 6,
    "odd-headers": 8,
    "odd-query": 8,
    valid: 8,
  });
  const out: FuzzRequest = { ...base, headers: { ...base.headers }, kind };
  const segments = base.path.split("?")[0]?.split("/") ?? [];
  switch (kind) {
    case "wrong-types":
      out.body = mutateBody(typeof base.body === "string" ? base.body : undefined, random);
      if (out.method === "GET") out.method = "POST";
      break;
    case "huge-body": {
      const size = random.pick([65 * 1024, 200 * 1024, 2 * 1024 * 1024]);
      out.body = JSON.stringify({ email: "a@b.c", name: "n".repeat(size), items: [] });
      if (out.method === "GET") out.method = "POST";
      break;
    }
    case "bad-id":
      if (segments.length > 2) segments[2] = random.pick(ODD_SEGMENTS);
      else segments.push(random.pick(ODD_SEGMENTS));
      out.path = segments.join("/");
      break;
    case "odd-path":
      out.path = random.pick([
        `/${base.path}`,
        `${base.path}/`,
        base.path.toUpperCase(),
        `${segments.join("/")}/x/y/z`,
        `/${random.pick(ODD_SEGMENTS)}`,
        `${base.path}#frag`,
        "/",
        `/${"a/".repeat(200)}`,
        `${segments.join("/")};jsessionid=1`,
      ]);
      break;
    case "unicode": {
      const text = random.pick([
        "ü@ü.de",
        "🦄@example.com",
        "\\ud800",
        "\\u0000",
        "\u202e",
        "名前",
      ]);
      if (typeof base.body === "string") {
        out.body = base.body.replace(/"([^"]*)"(?=[,}])/, `"${text}"`);
      } else {
        out.path = `${segments.slice(0, 2).join("/")}/${pathSegmentOf(text)}`;
      }
      break;
    }
    case "malformed-body":
      out.body = random.pick(["{", "", "[]", "null", "\u0000\u0001", "a=1&b=2"]);
      out.headers["content-type"] = random.pick([
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/json; charset=utf-16",
        "",
      ]);
      break;
    case "odd-method":
      out.method = random.pick(["DELETE", "PATCH", "PUT", "OPTIONS", "HEAD", "POST", "GET"]);
      if (out.method === "GET" || out.method === "HEAD") delete out.body;
      break;
    case "odd-headers":
      out.headers["idempotency-key"] = random.pick([
        "",
        " ",
        "ü",
        "k".repeat(10_000),
        "same-key-for-everything",
        "\t",
      ]);
      out.headers.traceparent = random.pick(["../x", "00-zz-zz-01", "x".repeat(300)]);
      out.headers.accept = random.pick(["text/html", "*/*", "application/xml"]);
      break;
    case "odd-query":
      out.path = `${segments.join("/")}?${random.pick([
        "userId=",
        "userId=a&userId=b",
        "orderId[]=1",
        `userId=${"u".repeat(5_000)}`,
        "orderId=%ZZ",
        "userId=%00",
        "=&=&",
      ])}`;
      break;
  }
  if (out.method === "GET" || out.method === "HEAD") delete out.body;
  return out;
}
