import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressMapper } from "../../../src/address/address-mapper.js";
import { Memo } from "../../../src/util/memo.js";

describe("Memo", () => {
  it("computes once per key and keeps at most max entries", () => {
    let calls = 0;
    const m = new Memo<number>(2);
    const f = (k: string) => m.get(k, () => (calls++, k.length));
    assert.equal(f("a"), 1);
    assert.equal(f("a"), 1);
    assert.equal(calls, 1);
    f("bb");
    f("ccc");
    assert.equal(m.size, 2);
    f("a");
    assert.equal(calls, 4, "the oldest entry went when the third came");
  });

  it("does not remember errors: a bad address fails every time", () => {
    const mapper = new AddressMapper({ componentDomain: "sip.example.com", sipDomains: ["sip.example.com"] });
    assert.throws(() => mapper.sipUriToXmppUser("sip:bob@sip.example.com"), /domain/);
    assert.throws(() => mapper.sipUriToXmppUser("sip:bob@sip.example.com"), /domain/);
    assert.equal(mapper.sipUriToXmppUser("sip:alice@example.com"), "alice@example.com");
    assert.equal(mapper.sipUriToXmppUser("sip:alice@example.com"), "alice@example.com");
  });
});
