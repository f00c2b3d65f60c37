import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressError } from "../../../src/address/address-error.js";
import { percentDecode, percentEncode } from "../../../src/address/percent-encoding.js";
import { normalizeSipHost, sipHostKind } from "../../../src/address/sip-host.js";
import { SipUri } from "../../../src/address/sip-uri.js";

function rejects(fn: () => unknown, reason: string): void {
  assert.throws(fn, (e: unknown) => e instanceof AddressError && e.reason === reason);
}

describe("SipUri.parse / format", () => {
  // input, expected format(), expected fields (partial)
  const rows: [string, string, Partial<ReturnType<SipUri["toInit"]>>][] = [
    ["sip:bob@sip.example.com", "sip:bob@sip.example.com", { user: "bob", host: "sip.example.com" }],
    [
      "SIP:Bob@SIP.Example.COM:5070",
      "sip:Bob@sip.example.com:5070",
      { scheme: "sip", user: "Bob", port: 5070 },
    ],
    ["sips:alice@example.com", "sips:alice@example.com", { scheme: "sips" }],
    ["sip:b%40b@example.com", "sip:b%40b@example.com", { user: "b@b" }],
    ["sip:a%20b@example.com", "sip:a%20b@example.com", { user: "a b" }],
    ["sip:j%c3%bcrgen@example.com", "sip:j%C3%BCrgen@example.com", { user: "jürgen" }],
    ["sip:%F0%9F%98%80@example.com", "sip:%F0%9F%98%80@example.com", { user: "😀" }],
    ["sip:%61lice@example.com", "sip:alice@example.com", { user: "alice" }],
    ["sip:d'artagnan@example.com", "sip:d'artagnan@example.com", { user: "d'artagnan" }],
    [
      "sip:+1555;phone-context=x@example.com;user=phone",
      "sip:+1555;phone-context=x@example.com;user=phone",
      { user: "+1555;phone-context=x" },
    ],
    ["sip:a?b&c=d/e$f,g@example.com", "sip:a?b&c=d/e$f,g@example.com", { user: "a?b&c=d/e$f,g" }],
    ["sip:bob@192.0.2.10:5060", "sip:bob@192.0.2.10:5060", { host: "192.0.2.10", port: 5060 }],
    ["sip:bob@[2001:DB8::1]", "sip:bob@[2001:db8::1]", { host: "[2001:db8::1]", port: null }],
    ["sip:bob@[::ffff:192.0.2.1]:5061", "sip:bob@[::ffff:192.0.2.1]:5061", { port: 5061 }],
    ["sip:example.com", "sip:example.com", { user: null, host: "example.com" }],
    ["sip:example.com.", "sip:example.com.", { host: "example.com." }],
    [
      "sip:alice@example.com;GR=urn:uuid:1;Lr;transport=TCP",
      "sip:alice@example.com;gr=urn:uuid:1;lr;transport=TCP",
      {
        params: [
          { name: "gr", value: "urn:uuid:1" },
          { name: "lr", value: null },
          { name: "transport", value: "TCP" },
        ],
      },
    ],
    [
      "sip:alice@example.com;gr=a%20b",
      "sip:alice@example.com;gr=a%20b",
      { params: [{ name: "gr", value: "a b" }] },
    ],
    [
      "sip:alice@example.com;gr=%3B%3D",
      "sip:alice@example.com;gr=%3B%3D",
      { params: [{ name: "gr", value: ";=" }] },
    ],
    [
      "sip:alice@example.com?Subject=hi%20there&Priority=urgent",
      "sip:alice@example.com?Subject=hi%20there&Priority=urgent",
      {
        headers: [
          { name: "Subject", value: "hi there" },
          { name: "Priority", value: "urgent" },
        ],
      },
    ],
    [
      "sip:alice@example.com?Subject=",
      "sip:alice@example.com?Subject=",
      { headers: [{ name: "Subject", value: "" }] },
    ],
  ];
  for (const [input, formatted, fields] of rows) {
    it(`${input} -> ${formatted}`, () => {
      const uri = SipUri.parse(input);
      assert.equal(uri.format(), formatted);
      assert.equal(String(uri), formatted);
      for (const [key, value] of Object.entries(fields)) {
        assert.deepEqual(uri.toInit()[key as keyof typeof fields], value, key);
      }
      assert.ok(SipUri.parse(formatted).equals(uri), "format() re-parses to the same URI");
    });
  }

  const invalid: [string, string][] = [
    ["tel:+15551234", "unsupported-scheme"],
    ["mailto:bob@example.com", "unsupported-scheme"],
    ["bob@example.com", "malformed-uri"],
    ["sip:bob:secret@example.com", "password"],
    ["sip:@example.com", "malformed-uri"],
    ["sip:a@b@example.com", "malformed-uri"],
    ["sip:b%4@example.com", "malformed-escape"],
    ["sip:b%ZZ@example.com", "malformed-escape"],
    ["sip:b%FF@example.com", "malformed-escape"],
    ["sip:a b@example.com", "malformed-escape"],
    ["sip:jürgen@example.com", "malformed-escape"],
    ["sip:bob@", "malformed-host"],
    ["sip:bob@exa_mple.com", "malformed-host"],
    ["sip:bob@-example.com", "malformed-host"],
    ["sip:bob@1.2.3.999", "malformed-host"],
    ["sip:bob@[1::2::3]", "malformed-host"],
    ["sip:bob@[::1", "malformed-host"],
    ["sip:bob@example.com:", "malformed-port"],
    ["sip:bob@example.com:70000", "malformed-port"],
    ["sip:bob@example.com:50x", "malformed-port"],
    ["sip:bob@example.com;;lr", "malformed-uri"],
    ["sip:bob@example.com;gr=", "malformed-uri"],
    ["sip:bob@example.com;gr=a;GR=b", "malformed-uri"],
    ["sip:bob@example.com;gr=a b", "malformed-escape"],
    ["sip:bob@example.com?Subject", "malformed-uri"],
    ["sip:bob@example.com?", "malformed-uri"],
  ];
  for (const [input, reason] of invalid) {
    it(`rejects ${input} (${reason})`, () => rejects(() => SipUri.parse(input), reason));
  }

  it("looks parameters up case-insensitively and copies with changes", () => {
    const uri = SipUri.parse("sip:bob@example.com;gr=X;lr");
    assert.equal(uri.param("GR"), "X");
    assert.equal(uri.param("lr"), null);
    assert.equal(uri.param("maddr"), undefined);
    assert.equal(uri.with({ params: [] }).format(), "sip:bob@example.com");
    assert.equal(new SipUri({ user: "b@b", host: "Example.COM" }).format(), "sip:b%40b@example.com");
  });

  it("rejects an empty user, a bad port and lone surrogates on construction", () => {
    rejects(() => new SipUri({ user: "", host: "example.com" }), "malformed-uri");
    rejects(() => new SipUri({ host: "example.com", port: 1.5 }), "malformed-port");
    rejects(() => new SipUri({ user: "\uD800", host: "example.com" }), "malformed-escape");
  });
});

describe("percent-encoding (RFC 3261 section 25.1)", () => {
  it("escapes exactly the characters each component requires", () => {
    assert.equal(percentEncode("a-_.!~*'()&=+$,;?/z", "user"), "a-_.!~*'()&=+$,;?/z");
    assert.equal(percentEncode('@: %<>"#[]\\', "user"), "%40%3A%20%25%3C%3E%22%23%5B%5D%5C");
    assert.equal(percentEncode("[]/:&+$;=?@", "param"), "[]/:&+$%3B%3D%3F%40");
    assert.equal(percentEncode("[]/?:+$&=;@", "header"), "[]/?:+$%26%3D%3B%40");
    assert.equal(percentEncode("ü😀", "user"), "%C3%BC%F0%9F%98%80");
  });
  it("decodes UTF-8 escapes in any hex case", () => {
    assert.equal(percentDecode("j%c3%BCrgen", "user", "user"), "jürgen");
    assert.equal(percentDecode("%EF%BB%BFx", "user", "user"), "\uFEFFx");
  });
});

describe("SIP host (RFC 3261 section 25.1)", () => {
  const rows: [string, string, string][] = [
    ["SIP.Example.COM", "sip.example.com", "name"],
    ["localhost", "localhost", "name"],
    ["a-1.b2.example", "a-1.b2.example", "name"],
    ["xn--mnchen-3ya.de", "xn--mnchen-3ya.de", "name"],
    ["192.0.2.255", "192.0.2.255", "ipv4"],
    ["[2001:DB8:0:0:0:0:0:1]", "[2001:db8:0:0:0:0:0:1]", "ipv6"],
    ["[::]", "[::]", "ipv6"],
  ];
  for (const [input, host, kind] of rows) {
    it(`${input} -> ${host} (${kind})`, () => {
      assert.equal(normalizeSipHost(input), host);
      assert.equal(sipHostKind(host), kind);
    });
  }
  for (const bad of [
    "münchen.de",
    "a..b",
    "1example.9",
    "[1:2:3:4:5:6:7:8:9]",
    "[2001:db8::1",
    "ex ample.com",
    "",
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => rejects(() => normalizeSipHost(bad), "malformed-host"));
  }
});
