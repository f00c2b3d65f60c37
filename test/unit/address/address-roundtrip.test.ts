import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressError } from "../../../src/address/address-error.js";
import { AddressMapper } from "../../../src/address/address-mapper.js";
import { escapeLocalpart } from "../../../src/address/jid-escaping.js";
import {
  domainpartToAscii,
  mapLocalpart,
  prepareDomainpart,
  prepareResourcepart,
} from "../../../src/address/jid-preparation.js";
import { formatJid, isCanonicalJid, prepareJid, splitJid } from "../../../src/address/jid.js";
import { SipUri } from "../../../src/address/sip-uri.js";

/** mulberry32: a tiny seeded PRNG, so every run generates the same addresses. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const N = 3000;
const COMPONENT = "sip.example.com";
const mapper = new AddressMapper({
  componentDomain: COMPONENT,
  sipDomains: [COMPONENT, "pbx.example.net"],
  xmppDomains: ["example.com", "jabber.example.org", "münchen.example"],
});

// The awkward characters: JID-escaped ones, SIP-reserved ones, escape look-alikes, non-ASCII, folding.
const USER_PIECES = [
  ..."abcdefghijklmnopqrstuvwxyz0123456789",
  ..."abcdefghij",
  ..."-_.!~*'()&=+$,;?/",
  ...' ":<>@\\%#[]^{|}`',
  "\\20",
  "\\27",
  "\\5c",
  "\\2F",
  "\\3a",
  "\\4",
  "ü",
  "é",
  "ß",
  "ж",
  "中",
  "ñ",
  "\u0301",
  "A",
  "Ü",
  "😀",
  "\u0001",
  "\u00A0",
  "\u200B",
];
const RESOURCE_PIECES = [
  ..."abcXYZ019 /@:;=%&?#",
  "📞",
  "É",
  "\u00A0",
  "e\u0301",
  "\u200B",
  "urn:uuid:f81d4fae-7dec",
];

function pick<T>(rnd: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rnd() * items.length)];
  if (item === undefined) throw new Error("empty list");
  return item;
}

function text(rnd: () => number, pieces: readonly string[], max: number): string {
  let out = "";
  const n = 1 + Math.floor(rnd() * max);
  for (let i = 0; i < n; i++) out += pick(rnd, pieces);
  return out;
}

function isAddressErrorWithReason(e: unknown): boolean {
  return e instanceof AddressError && typeof e.reason === "string" && e.reason !== "";
}

/** A URI reduced to what an address keeps: scheme sip, case-mapped user, canonical host, port, gr. */
function normalized(u: SipUri): SipUri {
  const gr = u.param("gr");
  return new SipUri({
    user: u.user === null ? null : mapLocalpart(u.user),
    host: domainpartToAscii(prepareDomainpart(u.host)),
    port: u.port,
    params: typeof gr === "string" ? [{ name: "gr", value: prepareResourcepart(gr) }] : [],
  });
}

function assertReparses(u: SipUri): void {
  const again = SipUri.parse(u.format());
  assert.deepEqual(again.toInit(), u.toInit(), `${u.format()} re-parses to itself`);
}

function genSipUri(rnd: () => number, hosts: readonly string[], withPort: boolean): SipUri {
  const params: { name: string; value: string | null }[] = [];
  if (rnd() < 0.4) params.push({ name: "gr", value: text(rnd, RESOURCE_PIECES, 4) });
  if (rnd() < 0.2) params.push({ name: "transport", value: "tcp" });
  return new SipUri({
    scheme: rnd() < 0.1 ? "sips" : "sip",
    user: text(rnd, USER_PIECES, 8),
    host: pick(rnd, hosts),
    port: withPort && rnd() < 0.15 ? pick(rnd, [5060, 5070]) : null,
    params,
    headers: rnd() < 0.1 ? [{ name: "Subject", value: "hi there" }] : [],
  });
}

describe(`round trips over ${N} generated addresses per direction (seeded)`, () => {
  it("SIP party -> JID -> SIP party", () => {
    const rnd = prng(0x5eed_0001);
    const hosts = [COMPONENT, "SIP.Example.COM", "pbx.example.net", "other.org", "Other.ORG.", "192.0.2.7"];
    const more = ["[2001:db8::7]", "xn--mnchen-3ya.de", "example.com"];
    let accepted = 0;
    for (let i = 0; i < N; i++) {
      const u = genSipUri(rnd, [...hosts, ...more], true);
      assertReparses(u);
      let jid: string;
      try {
        jid = mapper.sipUserToJid(u);
      } catch (e) {
        assert.ok(isAddressErrorWithReason(e), `${u.format()}: ${String(e)}`);
        continue;
      }
      accepted++;
      assert.ok(isCanonicalJid(jid), `${jid} is a valid, prepared JID`);
      assert.equal(splitJid(jid).domain, COMPONENT);
      const back = mapper.jidToSipUser(jid);
      assert.equal(back.format(), normalized(u).format(), `${u.format()} -> ${jid}`);
      assertReparses(back);
      assert.equal(mapper.sipUserToJid(back), jid);
    }
    assert.ok(accepted > N / 2, `most generated addresses map (${accepted}/${N})`);
  });

  it("XMPP user JID -> SIP URI -> JID", () => {
    const rnd = prng(0x5eed_0002);
    const domains = [
      "example.com",
      "jabber.example.org",
      "münchen.example",
      "Example.COM",
      "xn--mnchen-3ya.example",
    ];
    let accepted = 0;
    for (let i = 0; i < N; i++) {
      let local: string | null = null;
      if (rnd() < 0.9) {
        const raw = text(rnd, USER_PIECES, 8);
        try {
          local = rnd() < 0.8 ? escapeLocalpart(mapLocalpart(raw)) : raw; // escaped, or "native" as typed
        } catch {
          local = raw;
        }
      }
      const resource = rnd() < 0.5 ? text(rnd, RESOURCE_PIECES, 4) : null;
      const jid = formatJid({ local, domain: pick(rnd, [...domains, COMPONENT]), resource });
      let sip: SipUri;
      try {
        sip = mapper.xmppUserToSipUri(jid);
      } catch (e) {
        assert.ok(isAddressErrorWithReason(e), `${jid}: ${String(e)}`);
        continue;
      }
      accepted++;
      const prepared = formatJid(prepareJid(jid));
      assert.ok(isCanonicalJid(prepared));
      assertReparses(sip);
      assert.equal(mapper.sipUriToXmppUser(sip), prepared, `${jid} -> ${sip.format()}`);
      assert.equal(mapper.xmppUserToSipUri(prepared).format(), sip.format());
    }
    assert.ok(accepted > N / 2, `most generated JIDs map (${accepted}/${N})`);
  });

  it("SIP URI of an XMPP user -> JID -> SIP URI", () => {
    const rnd = prng(0x5eed_0003);
    const hosts = [
      "example.com",
      "EXAMPLE.com.",
      "jabber.example.org",
      "xn--mnchen-3ya.example",
      "pbx.example.net",
    ];
    let accepted = 0;
    for (let i = 0; i < N; i++) {
      const u = genSipUri(rnd, hosts, false);
      assertReparses(u);
      let jid: string;
      try {
        jid = mapper.sipUriToXmppUser(u);
      } catch (e) {
        assert.ok(isAddressErrorWithReason(e), `${u.format()}: ${String(e)}`);
        continue;
      }
      accepted++;
      assert.ok(isCanonicalJid(jid), `${jid} is a valid, prepared JID`);
      const back = mapper.xmppUserToSipUri(jid);
      assertReparses(back);
      assert.equal(back.format(), normalized(u).format(), `${u.format()} -> ${jid}`);
      assert.equal(mapper.sipUriToXmppUser(back), jid);
    }
    assert.ok(accepted > N / 2, `most generated URIs map (${accepted}/${N})`);
  });

  it("is exact (no normalisation at all) for addresses already in normal form", () => {
    const cases = [
      "sip:bob@sip.example.com",
      "sip:b%40b@sip.example.com;gr=a%20b",
      "sip:c%3A%5C27%20x@[2001:db8::1]:5070",
      "sip:j%C3%BCrgen@xn--mnchen-3ya.de;gr=%F0%9F%93%9E",
    ];
    for (const text of cases) assert.equal(mapper.jidToSipUser(mapper.sipUserToJid(text)).format(), text);
    for (const jid of [
      "d\\27artagnan@example.com/Phone 📞",
      "a\\5c27\\40x@münchen.example",
      "example.com/r",
    ]) {
      assert.equal(mapper.sipUriToXmppUser(mapper.xmppUserToSipUri(jid)), jid);
    }
  });
});
