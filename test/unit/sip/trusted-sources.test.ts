import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TrustedSources } from "../../../src/sip/trusted-sources.js";

describe("TrustedSources", () => {
  const t = new TrustedSources(["192.0.2.10", "10.1.0.0/16", "2001:db8::/32"]);
  for (const [addr, ok] of [
    ["192.0.2.10", true],
    ["192.0.2.11", false],
    ["10.1.255.3", true],
    ["10.2.0.1", false],
    ["::ffff:10.1.2.3", true],
    ["2001:db8::5", true],
    ["[2001:db8::5]", true],
    ["2001:db9::5", false],
    ["", false],
    [undefined, false],
    ["not-an-ip", false],
  ] as const) {
    it(`${String(addr)} is ${ok ? "" : "not "}trusted`, () => assert.equal(t.has(addr), ok));
  }
  it("an empty list trusts nobody", () => {
    const none = new TrustedSources([]);
    assert.equal(none.empty, true);
    assert.equal(none.has("127.0.0.1"), false);
  });
});
