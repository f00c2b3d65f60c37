/**
 * The fixes in patches/ (applied by patch-package in npm's postinstall, patches/README.md) are in
 * place and change nothing but speed. Each test fails on an unpatched node_modules.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

const require = createRequire(import.meta.url);

interface SipMessageLike {
  get(name: string): string | undefined;
  headers: Record<string, string>;
}
type SipMessageClass = new (raw: string) => SipMessageLike;

const RAW = [
  "MESSAGE sip:alice@xmpp.example.com SIP/2.0",
  "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1",
  "From: <sip:bob@sip.example.com>;tag=a1",
  "To: <sip:alice@xmpp.example.com>",
  "Call-ID: c1@127.0.0.1",
  "CSeq: 1 MESSAGE",
  "X-Custom: kept",
  "Content-Type: text/plain",
  "Content-Length: 2",
  "",
  "hi",
].join("\r\n");

/** Counts reads of `name` from process.env while `f` runs. */
function envReads(name: string, f: () => void): number {
  const real = process.env;
  let reads = 0;
  process.env = new Proxy(real, {
    get(target, key, receiver) {
      if (key === name) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  try {
    f();
  } finally {
    process.env = real;
  }
  return reads;
}

/** Counts JSON.stringify calls while `f` runs. */
function stringifyCalls(f: () => void): number {
  const real = JSON.stringify;
  let calls = 0;
  JSON.stringify = ((...args: Parameters<typeof JSON.stringify>) => {
    calls++;
    return real(...args);
  }) as typeof JSON.stringify;
  try {
    f();
  } finally {
    JSON.stringify = real;
  }
  return calls;
}

test("drachtio-srf: parsing a message does not read DRACHTIO_PRESERVE_HEADER_NAMES per header", () => {
  const SipMessage = require("drachtio-srf/lib/sip-parser/message.js") as SipMessageClass;
  let msg: SipMessageLike | undefined;
  const reads = envReads("DRACHTIO_PRESERVE_HEADER_NAMES", () => {
    msg = new SipMessage(RAW);
    msg.get("Call-ID");
    msg.get("from");
  });
  assert.equal(reads, 0);
  // Same header names as before: lower case, X- headers as written.
  assert.deepEqual(Object.keys(msg?.headers ?? {}), [
    "via",
    "from",
    "to",
    "call-id",
    "cseq",
    "X-Custom",
    "content-type",
    "content-length",
  ]);
  assert.equal(msg?.get("call-id"), "c1@127.0.0.1");
});

test("drachtio-srf: with its debug output off, requests and responses are not serialised for it", () => {
  const SipMessage = require("drachtio-srf/lib/sip-parser/message.js") as SipMessageClass;
  const Request = require("drachtio-srf/lib/request.js") as new (m: SipMessageLike, meta: object) => object;
  const Response = require("drachtio-srf/lib/response.js") as new (agent: object) => {
    req: object;
    send(status: number, reason: string, opts: object): void;
  };
  const sent: unknown[] = [];
  const calls = stringifyCalls(() => {
    const req = new Request(new SipMessage(RAW), { source: "network", address: "127.0.0.1", port: "5070" });
    const res = new Response({ sendResponse: (r: unknown) => sent.push(r) });
    res.req = req;
    res.send(202, "Accepted", {});
  });
  assert.equal(sent.length, 1, "the response reached the agent");
  assert.equal(calls, 0);
});

test("@xmpp/jid: a local part with nothing to escape skips the escape scan, results unchanged", () => {
  const { detect } = require("@xmpp/jid/lib/escaping.js") as { detect(local: string): boolean };
  const replaceAll = String.prototype.replaceAll;
  let scans = 0;
  String.prototype.replaceAll = function (this: string, ...args: Parameters<typeof replaceAll>) {
    scans++;
    return replaceAll.apply(this, args);
  } as typeof replaceAll;
  try {
    assert.equal(detect("alice"), false);
    assert.equal(scans, 0);
  } finally {
    String.prototype.replaceAll = replaceAll;
  }
  // XEP-0106: already-escaped sequences need nothing; raw special characters do.
  const cases: Array<[string, boolean]> = [
    ["", false],
    ["bob.smith+1", false],
    ["d\\27artagnan", false],
    ["a\\20b\\40c", false],
    ["a b", true],
    ["x@y", true],
    ["a\\b", true],
    ["\\", true],
    ["it's", true],
    ['a/b:c<d>&"', true],
  ];
  for (const [local, expected] of cases) assert.equal(detect(local), expected, JSON.stringify(local));
});
