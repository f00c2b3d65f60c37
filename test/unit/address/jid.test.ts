import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressError } from "../../../src/address/address-error.js";
import { formatJid, isCanonicalJid, prepareJid, splitJid } from "../../../src/address/jid.js";

function rejects(fn: () => unknown, reason: string): void {
  assert.throws(fn, (e: unknown) => e instanceof AddressError && e.reason === reason);
}

describe("JID splitting (RFC 7622 section 3.1)", () => {
  const rows: [string, string | null, string, string | null][] = [
    ["alice@example.com", "alice", "example.com", null],
    ["alice@example.com/phone", "alice", "example.com", "phone"],
    ["example.com", null, "example.com", null],
    ["example.com/a@b/c", null, "example.com", "a@b/c"],
    ["bob\\40other.org@gw.example", "bob\\40other.org", "gw.example", null],
  ];
  for (const [text, local, domain, resource] of rows) {
    it(text, () => {
      assert.deepEqual(splitJid(text), { local, domain, resource });
      assert.equal(formatJid(splitJid(text)), text);
    });
  }
  for (const bad of ["@example.com", "alice@", "alice@example.com/", "", "/r"]) {
    it(`rejects ${JSON.stringify(bad)}`, () => rejects(() => splitJid(bad), "malformed-jid"));
  }
});

describe("JID preparation (RFC 7622 sections 3.2-3.4)", () => {
  const rows: [string, string][] = [
    ["Alice@Example.COM/Phone", "alice@example.com/Phone"],
    ["ＢＯＢ@example.com", "bob@example.com"],
    ["JÜRGEN@example.com", "jürgen@example.com"],
    ["d\\27artagnan@example.com", "d\\27artagnan@example.com"],
    ["alice@example.com./r", "alice@example.com/r"],
    ["alice@xn--mnchen-3ya.de", "alice@münchen.de"],
    ["alice@MÜNCHEN.de", "alice@münchen.de"],
    ["alice@[2001:DB8::1]", "alice@[2001:db8::1]"],
    ["alice@192.0.2.1", "alice@192.0.2.1"],
    ["a@example.com/Phone 📞", "a@example.com/Phone 📞"],
    ["a@example.com/a\u00A0b", "a@example.com/a b"],
    ["a@example.com/e\u0301", "a@example.com/é"],
    ["+1555;x=y@example.com", "+1555;x=y@example.com"],
  ];
  for (const [input, prepared] of rows) {
    it(`${input} -> ${prepared}`, () => {
      assert.equal(formatJid(prepareJid(input)), prepared);
      assert.ok(isCanonicalJid(prepared));
    });
  }

  const invalid: [string, string][] = [
    ["a b@example.com", "invalid-localpart"],
    ['a"b@example.com', "invalid-localpart"],
    ["a:b@example.com", "invalid-localpart"],
    ["😀@example.com", "invalid-localpart"],
    ["a\u0000b@example.com", "invalid-localpart"],
    ["a\u200Bb@example.com", "invalid-localpart"],
    ["ﬁ@example.com", "invalid-localpart"],
    ["a@exa_mple.com", "invalid-domainpart"],
    ["a@exa mple.com", "invalid-domainpart"],
    ["a@[1::2::3]", "invalid-domainpart"],
    ["a@example.com/a\u0007", "invalid-resourcepart"],
    ["a@example.com/a\u200Bb", "invalid-resourcepart"],
    ["a@example.com/\uFDD0", "invalid-resourcepart"],
    [`${"a".repeat(1024)}@example.com`, "jid-too-long"],
    [`a@example.com/${"é".repeat(512)}`, "jid-too-long"],
  ];
  for (const [input, reason] of invalid) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))} (${reason})`, () =>
      rejects(() => prepareJid(input), reason));
  }

  it("accepts parts of exactly 1023 octets", () => {
    assert.ok(isCanonicalJid(`${"a".repeat(1023)}@example.com/${"r".repeat(1023)}`));
    assert.ok(!isCanonicalJid("Alice@example.com"), "valid but not prepared");
  });
});
