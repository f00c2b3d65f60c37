import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeText, isSupportedCharset } from "../../../src/im/codec/charset.js";
import { SipBodyError } from "../../../src/im/codec/sip-body-error.js";
import { sipToChatMessage } from "../../../src/im/sip-message.js";
import { fixture, sipHeaders } from "./im-fixtures.js";

const bytes = (...b: number[]) => Uint8Array.from(b);

function rejects415(fn: () => unknown): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof SipBodyError && e.status === 415 && e.reason === "unsupported-charset",
  );
}

describe("decodeText: declared charsets", () => {
  it("ISO-8859-1: Grüße", () => {
    assert.equal(decodeText(bytes(0x47, 0x72, 0xfc, 0xdf, 0x65), "ISO-8859-1"), "Grüße");
  });

  it("labels are case-insensitive and aliases work (latin1, Utf-8)", () => {
    assert.equal(decodeText(bytes(0xe9), "latin1"), "é");
    assert.equal(decodeText(bytes(0xc3, 0xa9), "Utf-8"), "é");
  });

  it("windows-1252: 0x80 is the euro sign, 0x93/0x94 curly quotes", () => {
    assert.equal(decodeText(bytes(0x80, 0x93, 0x61, 0x94), "windows-1252"), "€\u201ca\u201d");
  });

  it("decision: iso-8859-1 is decoded as windows-1252 (WHATWG), so 0x80 is € rather than a C1 control", () => {
    assert.equal(decodeText(bytes(0x80), "iso-8859-1"), "€");
  });

  it("UTF-16 with a big-endian BOM: the BOM is honoured and removed", () => {
    assert.equal(
      decodeText(bytes(0xfe, 0xff, 0x00, 0x48, 0x00, 0x69, 0xd8, 0x3d, 0xde, 0x00), "UTF-16"),
      "Hi😀",
    );
  });

  it("UTF-16 with a little-endian BOM", () => {
    assert.equal(decodeText(bytes(0xff, 0xfe, 0x48, 0x00, 0x69, 0x00), "utf-16"), "Hi");
  });

  it("RFC 2781 section 4.3: UTF-16 without a BOM is big-endian", () => {
    assert.equal(decodeText(bytes(0x00, 0x48, 0x00, 0x69), "utf-16"), "Hi");
  });

  it("UTF-16LE label: no BOM needed; an unpaired surrogate becomes U+FFFD", () => {
    assert.equal(decodeText(bytes(0x48, 0x00, 0x00, 0xd8, 0x69, 0x00), "UTF-16LE"), "H\uFFFDi");
  });

  it("Shift_JIS: 日本語", () => {
    assert.equal(decodeText(bytes(0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea), "Shift_JIS"), "日本語");
  });

  it("a declared UTF-8 body with a bad sequence gets U+FFFD, not an error", () => {
    assert.equal(decodeText(bytes(0x61, 0xff, 0x62), "utf-8"), "a\uFFFDb");
  });

  it("unknown charsets are a 415 (x-unknown, UTF-7, UTF-32)", () => {
    rejects415(() => decodeText(bytes(0x61), "x-unknown"));
    rejects415(() => decodeText(bytes(0x61), "UTF-7"));
    rejects415(() => decodeText(bytes(0, 0, 0, 0x61), "utf-32"));
    assert.equal(isSupportedCharset("utf-7"), false);
    assert.equal(isSupportedCharset("koi8-r"), true);
    assert.equal(isSupportedCharset(undefined), true);
  });
});

describe("decodeText: no charset (RFC 2046 section 4.1.2 default US-ASCII)", () => {
  it("UTF-8 bytes without a charset are read as UTF-8 (sipML5 issue 125, a real capture)", () => {
    assert.equal(decodeText(fixture("sipml5-issue-125-text-plain-utf8.txt"), undefined), "特维");
  });

  it("plain ASCII comes out the same", () => {
    assert.equal(decodeText(bytes(0x68, 0x69), undefined), "hi");
  });

  it("bytes that are not UTF-8 fall back to windows-1252, also for an explicit us-ascii", () => {
    assert.equal(decodeText(bytes(0x63, 0x61, 0x66, 0xe9), undefined), "café");
    assert.equal(decodeText(bytes(0x63, 0x61, 0x66, 0xe9), "US-ASCII"), "café");
  });
});

describe("charsets through sipToChatMessage", () => {
  const msg = (contentType: string, body: Uint8Array) =>
    sipToChatMessage({ contentType, body, headers: sipHeaders() });

  it("a quoted charset parameter", () => {
    assert.equal(msg('text/plain; charset="ISO-8859-1"', bytes(0x47, 0x72, 0xfc, 0xdf, 0x65)).body, "Grüße");
  });

  it("the real sipML5 MESSAGE (text/plain;charset=utf-8)", () => {
    assert.equal(
      msg("text/plain;charset=utf-8", fixture("sipml5-issue-125-text-plain-utf8.txt")).body,
      "特维",
    );
  });

  it("an unknown charset is a 415 carrying the Accept list", () => {
    assert.throws(
      () => msg("text/plain;charset=x-klingon", bytes(0x61)),
      (e: unknown) =>
        e instanceof SipBodyError && e.status === 415 && e.accept?.includes("text/plain") === true,
    );
  });

  it("the charset of the content inside CPIM is the content's own", () => {
    const cpim = Buffer.concat([
      Buffer.from(
        "From: <sip:a@example.com>\r\nTo: <sip:b@example.com>\r\n\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n",
      ),
      Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65]),
    ]);
    assert.equal(msg("message/cpim", cpim).body, "Grüße");
  });
});
