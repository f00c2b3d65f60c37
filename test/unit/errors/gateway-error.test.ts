import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressError } from "../../../src/address/address-error.js";
import { AddressMapper } from "../../../src/address/address-mapper.js";
import { GatewayError, toGatewayError } from "../../../src/errors/gateway-error.js";

describe("GatewayError", () => {
  it("fromSipStatus keeps the SIP status and derives the XMPP side", () => {
    const e = GatewayError.fromSipStatus(486, "on the phone");
    assert.equal(e.condition, "recipient-unavailable");
    assert.equal(e.type, "wait");
    assert.equal(e.sipStatus, 486);
    assert.equal(e.sipReason, "Busy Here");
    assert.equal(e.text, "on the phone");
    assert.equal(e.origin, "sip");
    assert.ok(e instanceof Error && e.name === "GatewayError");
  });

  it("fromSipStatus falls back by class and refuses non-errors", () => {
    const e = GatewayError.fromSipStatus(499);
    assert.equal(e.condition, "bad-request");
    assert.equal(e.type, "modify");
    assert.equal(e.sipStatus, 499);
    assert.equal(e.sipReason, "Request Failure");
    assert.equal(e.text, undefined);
    assert.throws(() => GatewayError.fromSipStatus(200), RangeError);
  });

  it("xmpp derives the SIP side", () => {
    const e = GatewayError.xmpp("item-not-found", "no such user");
    assert.deepEqual(
      [e.condition, e.type, e.sipStatus, e.sipReason, e.text, e.origin, e.message],
      ["item-not-found", "cancel", 404, "Not Found", "no such user", "xmpp", "no such user"],
    );
    assert.equal(GatewayError.xmpp("service-unavailable").message, "service-unavailable (SIP 503)");
  });

  it("can carry both sides explicitly", () => {
    const e = new GatewayError({ condition: "gone", text: "moved", sipStatus: 301, sipReason: "Moved" });
    assert.deepEqual([e.condition, e.type, e.sipStatus, e.sipReason], ["gone", "cancel", 301, "Moved"]);
  });
});

describe("toGatewayError", () => {
  it("maps AddressError to jid-malformed / 484 with its message", () => {
    const cause = new AddressError("no-user", "A SIP party needs a user part");
    const e = toGatewayError(cause);
    assert.deepEqual(
      [e.condition, e.type, e.sipStatus, e.sipReason, e.text],
      ["jid-malformed", "modify", 484, "Address Incomplete", "A SIP party needs a user part"],
    );
    assert.equal(e.cause, cause);
  });

  it("maps a real mapping failure the same way", () => {
    const mapper = new AddressMapper({ componentDomain: "sip.example.com", sipDomains: ["sip.example.com"] });
    let thrown: unknown;
    try {
      mapper.jidToSipUser("alice@example.com");
    } catch (e) {
      thrown = e;
    }
    assert.equal(toGatewayError(thrown).condition, "jid-malformed");
  });

  it("maps anything else to internal-server-error / 500 without leaking text", () => {
    for (const thrown of [new Error("db password is hunter2"), "string", undefined, { reason: "x" }]) {
      const e = toGatewayError(thrown);
      assert.deepEqual(
        [e.condition, e.type, e.sipStatus, e.sipReason, e.text],
        ["internal-server-error", "cancel", 500, "Server Internal Error", undefined],
      );
      assert.ok(!e.message.includes("hunter2"));
    }
  });

  it("returns a GatewayError unchanged", () => {
    const e = GatewayError.fromSipStatus(603);
    assert.equal(toGatewayError(e), e);
  });
});
