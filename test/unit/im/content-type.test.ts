import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatContentType, parseContentType } from "../../../src/im/codec/content-type.js";
import { SipBodyError } from "../../../src/im/codec/sip-body-error.js";

describe("parseContentType", () => {
  it("type, subtype and parameter names are case-insensitive (RFC 2045 section 5.1); values kept", () => {
    const ct = parseContentType("Text/PLAIN; CharSet=UTF-8");
    assert.equal(ct.mediaType, "text/plain");
    assert.equal(ct.type, "text");
    assert.equal(ct.subtype, "plain");
    assert.equal(ct.params.get("charset"), "UTF-8");
  });

  it("white space around / ; = as RFC 3261 section 25.1 allows", () => {
    const ct = parseContentType("  message / cpim ;  foo =  bar ;baz=1 ");
    assert.equal(ct.mediaType, "message/cpim");
    assert.deepEqual(
      [...ct.params],
      [
        ["foo", "bar"],
        ["baz", "1"],
      ],
    );
  });

  it("quoted values with escaped quotes and semicolons", () => {
    const ct = parseContentType('text/plain; charset="ISO-8859-1"; x="a\\"b;c"');
    assert.equal(ct.params.get("charset"), "ISO-8859-1");
    assert.equal(ct.params.get("x"), 'a"b;c');
  });

  it("application/im-iscomposing+xml and message/imdn+xml tokens", () => {
    assert.equal(
      parseContentType("application/im-iscomposing+xml").mediaType,
      "application/im-iscomposing+xml",
    );
    assert.equal(parseContentType("message/imdn+xml").subtype, "imdn+xml");
  });

  it("decision: a repeated parameter keeps the first value; a trailing ';' is ignored", () => {
    assert.equal(
      parseContentType("text/plain; charset=utf-8; charset=latin1").params.get("charset"),
      "utf-8",
    );
    assert.equal(parseContentType("text/plain;").params.size, 0);
  });

  for (const bad of [
    "",
    "text",
    "text/",
    "/plain",
    "text/plain; charset",
    "text/plain; =x",
    'text/plain; a="open',
    "text/plain x",
    "text/plain; a=",
    "te xt/plain",
  ]) {
    it(`malformed: ${JSON.stringify(bad)} is a 400`, () => {
      assert.throws(
        () => parseContentType(bad),
        (e: unknown) =>
          e instanceof SipBodyError && e.status === 400 && e.reason === "malformed-content-type",
      );
    });
  }
});

describe("formatContentType", () => {
  it("tokens bare, anything else quoted and escaped", () => {
    assert.equal(formatContentType("text/plain", { charset: "UTF-8" }), "text/plain;charset=UTF-8");
    assert.equal(formatContentType("text/plain", { x: 'a b"c' }), 'text/plain;x="a b\\"c"');
  });

  it("round trip", () => {
    const ct = parseContentType(formatContentType("text/plain", { charset: "UTF-8", x: "a;b" }));
    assert.equal(ct.params.get("x"), "a;b");
  });
});
