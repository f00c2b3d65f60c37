import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { capsElement, capsVerification, CAPS_NODE, NS_CAPS } from "../../../src/xmpp/caps.js";
import { sipUserInfo } from "../../../src/xmpp/disco.js";
import { CALL_FEATURES } from "../../../src/call/call-bridge.js";

describe("XEP-0115 verification string", () => {
  it("matches the simple example of XEP-0115 section 5.2 (Exodus 0.9.1)", () => {
    const ver = capsVerification({
      identities: [{ category: "client", type: "pc", name: "Exodus 0.9.1" }],
      features: [
        "http://jabber.org/protocol/caps",
        "http://jabber.org/protocol/disco#info",
        "http://jabber.org/protocol/disco#items",
        "http://jabber.org/protocol/muc",
      ],
    });
    assert.equal(ver, "QgayPKawpkPSDYmwT/WM94uAlu0=");
  });

  it("does not depend on the order features are listed in", () => {
    const a = capsVerification({ identities: [{ category: "client", type: "phone" }], features: ["b", "a"] });
    const b = capsVerification({ identities: [{ category: "client", type: "phone" }], features: ["a", "b"] });
    assert.equal(a, b);
  });

  it("SIP users' <c/> advertises the call features' hash", () => {
    const info = sipUserInfo(CALL_FEATURES);
    for (const f of [
      "urn:xmpp:jingle:1",
      "urn:xmpp:jingle:apps:rtp:1",
      "urn:xmpp:jingle:apps:rtp:audio",
      "urn:xmpp:jingle:transports:ice-udp:1",
      "urn:xmpp:jingle:apps:dtls:0",
      "urn:xmpp:jingle-message:0",
    ]) {
      assert.ok(info.features.includes(f), f);
    }
    const c = capsElement(info);
    assert.equal(c.attrs.xmlns, NS_CAPS);
    assert.equal(c.attrs.hash, "sha-1");
    assert.equal(c.attrs.node, CAPS_NODE);
    assert.equal(c.attrs.ver, capsVerification(info));
  });
});
