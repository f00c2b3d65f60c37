import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressError } from "../../../src/address/address-error.js";
import { AddressMapper } from "../../../src/address/address-mapper.js";
import { parseNameAddr } from "../../../src/address/name-addr.js";

const mapper = new AddressMapper({
  componentDomain: "sip.example.com",
  sipDomains: ["sip.example.com", "pbx.example.net"],
  xmppDomains: ["example.com", "jabber.example.org", "xn--mnchen-3ya.example"],
});

type Fn = "sipUserToJid" | "jidToSipUser" | "xmppUserToSipUri" | "sipUriToXmppUser" | "nameAddrToJid";
/** [function, input, expected output, or `!reason` for an AddressError] */
const EXAMPLES: [Fn, string, string][] = [
  // SIP parties as seen from XMPP
  ["sipUserToJid", "sip:bob@sip.example.com", "bob@sip.example.com"],
  ["sipUserToJid", "sip:bob@SIP.Example.COM", "bob@sip.example.com"],
  ["sipUserToJid", "sip:bob@pbx.example.net", "bob\\40pbx.example.net@sip.example.com"],
  ["sipUserToJid", "sip:carol@other.org", "carol\\40other.org@sip.example.com"],
  ["sipUserToJid", "sip:carol@other.org:5070", "carol\\40other.org\\3a5070@sip.example.com"],
  ["sipUserToJid", "sip:bob@sip.example.com:5070", "bob\\40sip.example.com\\3a5070@sip.example.com"],
  [
    "sipUserToJid",
    "sip:bob@sip.example.com;gr=urn:uuid:f81d4fae-7dec-11d0",
    "bob@sip.example.com/urn:uuid:f81d4fae-7dec-11d0",
  ],
  ["sipUserToJid", "sip:bob@pbx.example.net;gr=desk", "bob\\40pbx.example.net@sip.example.com/desk"],
  ["sipUserToJid", "sip:b%40b@sip.example.com", "b\\40b\\40sip.example.com@sip.example.com"],
  ["sipUserToJid", "sip:a%20b@sip.example.com", "a\\20b@sip.example.com"],
  ["sipUserToJid", "sip:d'artagnan@sip.example.com", "d\\27artagnan@sip.example.com"],
  ["sipUserToJid", "sip:c%3A%5Cnet@sip.example.com", "c\\3a\\net@sip.example.com"],
  ["sipUserToJid", "sip:c%5C27@sip.example.com", "c\\5c27@sip.example.com"],
  ["sipUserToJid", "sip:j%C3%BCrgen@sip.example.com", "jürgen@sip.example.com"],
  ["sipUserToJid", "sip:bob@sip.example.com;gr=%F0%9F%93%9E", "bob@sip.example.com/📞"],
  ["sipUserToJid", "sip:bob@192.0.2.10", "bob\\40192.0.2.10@sip.example.com"],
  ["sipUserToJid", "sip:bob@[2001:DB8::1]:5070", "bob\\40[2001\\3adb8\\3a\\3a1]\\3a5070@sip.example.com"],
  ["sipUserToJid", "sip:bob@sip.example.com;transport=tcp;user=phone?Subject=x", "bob@sip.example.com"],
  ["sipUserToJid", "sips:bob@sip.example.com", "bob@sip.example.com"],
  [
    "sipUserToJid",
    "sip:+15551234;phone-context=example.com@sip.example.com",
    "+15551234;phone-context=example.com@sip.example.com",
  ],
  ["sipUserToJid", "sip:Bob@sip.example.com", "bob@sip.example.com"],
  ["sipUserToJid", "sip:bob@xn--mnchen-3ya.de", "bob\\40xn--mnchen-3ya.de@sip.example.com"],
  ["nameAddrToJid", '"Bob" <sip:bob@sip.example.com;gr=x>;tag=1928301774', "bob@sip.example.com/x"],
  ["nameAddrToJid", "Carol <sip:carol@other.org>;tag=a6c85cf", "carol\\40other.org@sip.example.com"],
  ["sipUserToJid", "sip:%F0%9F%98%80@sip.example.com", "!invalid-localpart"],
  ["sipUserToJid", "sip:alice@example.com", "!wrong-domain"],
  ["sipUserToJid", "sip:bob@sip.example.com;gr", "!gr-without-value"],
  ["sipUserToJid", "sip:sip.example.com", "!no-user"],
  ["sipUserToJid", "tel:+15551234", "!unsupported-scheme"],
  ["sipUserToJid", "sip:bob:secret@sip.example.com", "!password"],
  ["sipUserToJid", "sip:%20bob@sip.example.com", "!escaping"],
  ["sipUserToJid", "sip:%3E%CC%81@sip.example.com", "!escaping"],
  ["sipUserToJid", "sip:a%00b@sip.example.com", "!invalid-localpart"],
  ["sipUserToJid", "sip:b%FFb@sip.example.com", "!malformed-escape"],
  ["sipUserToJid", "sip:bob@sip.example.com;gr=%E2%80%8B", "!invalid-resourcepart"],
  ["sipUserToJid", "sip:bob@exa_mple.com", "!malformed-host"],
  ["sipUserToJid", `sip:${"a".repeat(1100)}@sip.example.com`, "!jid-too-long"],
  ["jidToSipUser", "bob@sip.example.com", "sip:bob@sip.example.com"],
  ["jidToSipUser", "Bob@SIP.Example.COM", "sip:bob@sip.example.com"],
  ["jidToSipUser", "bob\\40other.org@sip.example.com", "sip:bob@other.org"],
  ["jidToSipUser", "bob\\40pbx.example.net@sip.example.com/desk", "sip:bob@pbx.example.net;gr=desk"],
  ["jidToSipUser", "bob@sip.example.com/urn:uuid:1", "sip:bob@sip.example.com;gr=urn:uuid:1"],
  ["jidToSipUser", "b\\40b\\40sip.example.com@sip.example.com", "sip:b%40b@sip.example.com"],
  ["jidToSipUser", "bob\\40[\\3a\\3a1]\\3a5060@sip.example.com", "sip:bob@[::1]:5060"],
  ["jidToSipUser", "bob\\40[::1]@sip.example.com", "!invalid-localpart"],
  ["jidToSipUser", "alice@example.com", "!wrong-domain"],
  ["jidToSipUser", "sip.example.com", "!no-user"],
  ["jidToSipUser", "bob\\40sip.example.com@sip.example.com", "!non-canonical"],
  ["jidToSipUser", "foo\\5cbar@sip.example.com", "!non-canonical"],
  ["jidToSipUser", "bob\\40example.com@sip.example.com", "!wrong-domain"],
  ["jidToSipUser", "bob\\40exa_mple.com@sip.example.com", "!malformed-jid"],
  ["jidToSipUser", "a b@sip.example.com", "!invalid-localpart"],
  // XMPP users as seen from SIP
  ["xmppUserToSipUri", "alice@example.com", "sip:alice@example.com"],
  ["xmppUserToSipUri", "alice@example.com/phone", "sip:alice@example.com;gr=phone"],
  ["xmppUserToSipUri", "Alice@Example.COM/Phone 📞", "sip:alice@example.com;gr=Phone%20%F0%9F%93%9E"],
  ["xmppUserToSipUri", "d\\27artagnan@example.com", "sip:d'artagnan@example.com"],
  [
    "xmppUserToSipUri",
    "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address@example.com",
    "sip:here's_a_wild_&_/cr%25zy/_address@example.com",
  ],
  ["xmppUserToSipUri", "a\\20b\\40c@jabber.example.org", "sip:a%20b%40c@jabber.example.org"],
  ["xmppUserToSipUri", "jürgen@example.com/Tëst", "sip:j%C3%BCrgen@example.com;gr=T%C3%ABst"],
  ["xmppUserToSipUri", "alice@münchen.example", "sip:alice@xn--mnchen-3ya.example"],
  ["xmppUserToSipUri", "example.com", "sip:example.com"],
  ["xmppUserToSipUri", "example.com/srv", "sip:example.com;gr=srv"],
  ["xmppUserToSipUri", "alice@sip.example.com", "!wrong-domain"],
  ["xmppUserToSipUri", "alice@pbx.example.net", "!wrong-domain"],
  ["xmppUserToSipUri", "alice@other.org", "!wrong-domain"],
  ["xmppUserToSipUri", "foo\\5cbar@example.com", "!non-canonical"],
  ["xmppUserToSipUri", "\\20bob@example.com", "!non-canonical"],
  ["xmppUserToSipUri", "@example.com", "!malformed-jid"],
  ["sipUriToXmppUser", "sip:alice@example.com;gr=phone", "alice@example.com/phone"],
  ["sipUriToXmppUser", "sip:alice@EXAMPLE.com.", "alice@example.com"],
  ["sipUriToXmppUser", "sips:alice@example.com;transport=tls?Subject=x", "alice@example.com"],
  ["sipUriToXmppUser", "sip:d%27artagnan@example.com", "d\\27artagnan@example.com"],
  ["sipUriToXmppUser", "sip:alice@xn--mnchen-3ya.example", "alice@münchen.example"],
  ["sipUriToXmppUser", "sip:example.com", "example.com"],
  ["sipUriToXmppUser", "sip:alice@example.com:5060", "!port"],
  ["sipUriToXmppUser", "sip:alice@sip.example.com", "!wrong-domain"],
  ["sipUriToXmppUser", "sip:alice@other.org", "!wrong-domain"],
  ["sipUriToXmppUser", "sip:%F0%9F%98%80@example.com", "!invalid-localpart"],
];

function run(fn: Fn, input: string): string {
  switch (fn) {
    case "sipUserToJid":
      return mapper.sipUserToJid(input);
    case "nameAddrToJid":
      return mapper.sipUserToJid(parseNameAddr(input).uri);
    case "jidToSipUser":
      return mapper.jidToSipUser(input).format();
    case "xmppUserToSipUri":
      return mapper.xmppUserToSipUri(input).format();
    case "sipUriToXmppUser":
      return mapper.sipUriToXmppUser(input);
  }
}

describe("AddressMapper worked examples", () => {
  it("has at least 30 rows", () => assert.ok(EXAMPLES.length >= 30));
  for (const [fn, input, expected] of EXAMPLES) {
    it(`${fn}(${input.length > 60 ? input.slice(0, 60) + "..." : input}) -> ${expected}`, () => {
      if (expected.startsWith("!")) {
        assert.throws(
          () => run(fn, input),
          (e: unknown) => e instanceof AddressError && e.reason === expected.slice(1),
        );
      } else {
        assert.equal(run(fn, input), expected);
      }
    });
  }
});

describe("AddressMapper configuration", () => {
  it("takes componentDomain as home SIP domain when it is a SIP domain, else sipDomains[0]", () => {
    assert.equal(mapper.homeSipDomain, "sip.example.com");
    const m = new AddressMapper({
      componentDomain: "gw.xmpp.example",
      sipDomains: ["SIP.Example.com", "pbx.example.net"],
    });
    assert.equal(m.homeSipDomain, "sip.example.com");
    assert.equal(m.sipUserToJid("sip:bob@sip.example.com"), "bob@gw.xmpp.example");
    assert.equal(m.jidToSipUser("bob@gw.xmpp.example").format(), "sip:bob@sip.example.com");
    assert.throws(
      () => m.sipUserToJid("sip:bob@gw.xmpp.example"),
      (e: unknown) => (e as AddressError).reason === "wrong-domain",
    );
  });

  it("classifies domains, in any case and label form", () => {
    assert.ok(mapper.isSipDomain("PBX.example.net."));
    assert.ok(!mapper.isSipDomain("example.com"));
    assert.ok(mapper.isXmppDomain("Example.COM"));
    assert.ok(mapper.isXmppDomain("münchen.example") && mapper.isXmppDomain("xn--mnchen-3ya.example"));
    assert.ok(!mapper.isXmppDomain("other.org") && !mapper.isXmppDomain("sip.example.com"));
    assert.ok(!mapper.isXmppDomain("not a domain") && !mapper.isSipDomain(""));
  });

  it("without xmppDomains, any other domain is an XMPP domain, yet a SIP party elsewhere still maps", () => {
    const m = new AddressMapper({ componentDomain: "sip.example.com", sipDomains: ["sip.example.com"] });
    assert.ok(m.isXmppDomain("anything.org") && !m.isXmppDomain("sip.example.com"));
    assert.equal(m.sipUriToXmppUser("sip:alice@anything.org"), "alice@anything.org");
    assert.equal(m.xmppUserToSipUri("alice@anything.org/x").format(), "sip:alice@anything.org;gr=x");
    assert.equal(m.sipUserToJid("sip:carol@anything.org"), "carol\\40anything.org@sip.example.com");
  });

  it("rejects bad configuration", () => {
    assert.throws(() => new AddressMapper({ componentDomain: "gw.example", sipDomains: [] }), TypeError);
    assert.throws(() => new AddressMapper({ componentDomain: "a b", sipDomains: ["x.example"] }), TypeError);
    assert.throws(
      () =>
        new AddressMapper({
          componentDomain: "gw.example",
          sipDomains: ["x.example"],
          xmppDomains: ["X.example"],
        }),
      TypeError,
    );
    assert.throws(
      () =>
        new AddressMapper({
          componentDomain: "gw.example",
          sipDomains: ["x.example"],
          xmppDomains: ["gw.example"],
        }),
      TypeError,
    );
  });
});
