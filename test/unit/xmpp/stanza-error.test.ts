import assert from "node:assert/strict";
import { describe, it } from "node:test";
import xml from "@xmpp/xml";
import { errorReply, NS_STANZAS } from "../../../src/xmpp/stanza-error.js";
import { discoInfoQuery, gatewayInfo, sipUserInfo } from "../../../src/xmpp/disco.js";

describe("errorReply", () => {
  it("swaps the addresses, keeps the id and echoes an iq's payload (RFC 6120 8.3.1)", () => {
    const iq = xml(
      "iq",
      { type: "get", id: "q1", from: "a@x/r", to: "gw.x" },
      xml("query", { xmlns: "urn:x" }),
    );
    const reply = errorReply(iq, { condition: "service-unavailable", type: "cancel", text: "nope" })!;
    assert.equal(
      reply.toString(),
      [
        '<iq type="error" id="q1" to="a@x/r" from="gw.x">',
        '<query xmlns="urn:x"/>',
        '<error type="cancel">',
        `<service-unavailable xmlns="${NS_STANZAS}"/>`,
        `<text xmlns="${NS_STANZAS}" xml:lang="en">nope</text>`,
        "</error></iq>",
      ].join(""),
    );
  });

  it("does not echo message bodies", () => {
    const m = xml(
      "message",
      { type: "chat", id: "m", from: "a@x/r", to: "b@gw.x" },
      xml("body", {}, "secret"),
    );
    const reply = errorReply(m, { condition: "item-not-found", type: "cancel" })!;
    assert.equal(reply.getChild("body"), undefined);
    assert.equal(reply.attrs.type, "error");
    assert.ok(reply.getChild("error")!.getChild("item-not-found", NS_STANZAS));
  });

  it("never answers an error with an error", () => {
    const e = xml("message", { type: "error", from: "a@x", to: "b@gw.x" });
    assert.equal(errorReply(e, { condition: "bad-request", type: "modify" }), null);
  });
});

describe("disco#info", () => {
  it("presents the gateway as gateway/sip and a SIP user as client/phone", () => {
    const gw = discoInfoQuery(gatewayInfo("sip-xmpp-gateway"));
    assert.equal(gw.getChild("identity")!.attrs.category, "gateway");
    assert.equal(gw.getChild("identity")!.attrs.type, "sip");
    const user = sipUserInfo(["urn:x:extra", "urn:x:extra"]);
    assert.deepEqual(user.identities, [{ category: "client", type: "phone", name: "SIP user" }]);
    assert.equal(user.features.filter((f) => f === "urn:x:extra").length, 1, "features are deduplicated");
    assert.deepEqual(user.features, [...user.features].sort());
  });
});
