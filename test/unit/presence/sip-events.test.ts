import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  acceptsPidf,
  formatSubscriptionState,
  inDialogRequest,
  parseEvent,
  parseExpires,
  parseSubscriptionState,
  splitRoutes,
  uacDialog,
  uasDialog,
} from "../../../src/presence/sip-events.js";

describe("sip-events: RFC 6665 headers", () => {
  it("Event: package, case-insensitive, with id", () => {
    assert.deepEqual(parseEvent("Presence"), { package: "presence" });
    assert.deepEqual(parseEvent("presence;id=7"), { package: "presence", id: "7" });
    assert.deepEqual(parseEvent("dialog"), { package: "dialog" });
    assert.equal(parseEvent(""), undefined);
    assert.equal(parseEvent(undefined), undefined);
  });

  it("Subscription-State: state, expires, reason, retry-after", () => {
    assert.deepEqual(parseSubscriptionState("active;expires=3600"), { state: "active", expires: 3600 });
    assert.deepEqual(parseSubscriptionState(" Terminated;reason=Rejected;retry-after=30"), {
      state: "terminated",
      reason: "rejected",
      retryAfter: 30,
    });
    assert.deepEqual(parseSubscriptionState("pending;expires=x"), { state: "pending" });
    assert.equal(parseSubscriptionState(""), undefined);
    assert.equal(formatSubscriptionState("active", { expires: 59.6 }), "active;expires=60");
    assert.equal(formatSubscriptionState("terminated", { reason: "timeout" }), "terminated;reason=timeout");
  });

  it("Expires: delta-seconds only", () => {
    assert.equal(parseExpires(" 600 "), 600);
    assert.equal(parseExpires("0"), 0);
    assert.equal(parseExpires("-1"), undefined);
    assert.equal(parseExpires("soon"), undefined);
  });

  it("Accept: none means PIDF (RFC 3856 section 6.6); wildcards match; others do not", () => {
    assert.equal(acceptsPidf(undefined), true);
    assert.equal(acceptsPidf("application/pidf+xml;q=0.5, application/xpidf+xml"), true);
    assert.equal(acceptsPidf("*/*"), true);
    assert.equal(acceptsPidf("application/*"), true);
    assert.equal(acceptsPidf("application/xpidf+xml, text/plain"), false);
  });

  it("Record-Route values split into single routes", () => {
    assert.deepEqual(splitRoutes(["<sip:p1;lr>, <sip:p2;lr>", "<sip:p3;lr>"]), [
      "<sip:p1;lr>",
      "<sip:p2;lr>",
      "<sip:p3;lr>",
    ]);
  });
});

describe("sip-events: dialogs (RFC 3261 section 12.1)", () => {
  const req = {
    callId: "c1",
    from: '"Bob" <sip:bob@sip.example.com>;tag=bt',
    to: "<sip:alice@xmpp.example.com>",
    contact: "<sip:bob@192.0.2.7:5062;transport=tcp>",
    recordRoute: ["<sip:p1.example.com;lr>, <sip:p2.example.com;lr>"],
  };

  it("UAS: remote target from Contact, route set in order, our tag", () => {
    const d = uasDialog(req, "gt");
    assert.deepEqual(d, {
      callId: "c1",
      localTag: "gt",
      remoteTag: "bt",
      localUri: "sip:alice@xmpp.example.com",
      remoteUri: "sip:bob@sip.example.com",
      remoteTarget: "sip:bob@192.0.2.7:5062;transport=tcp",
      routeSet: ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"],
    });
    const r = inDialogRequest(d!, "NOTIFY");
    assert.equal(r.uri, "sip:bob@192.0.2.7:5062;transport=tcp");
    assert.equal(r.proxy, "sip:p1.example.com;lr");
    assert.equal(r.headers["From"], "<sip:alice@xmpp.example.com>;tag=gt");
    assert.equal(r.headers["To"], "<sip:bob@sip.example.com>;tag=bt");
    assert.equal(r.headers["Event"], "presence");
  });

  it("UAS: no Contact or no From tag gives no dialog", () => {
    assert.equal(uasDialog({ ...req, contact: "" }, "gt"), undefined);
    assert.equal(uasDialog({ ...req, from: "<sip:bob@sip.example.com>" }, "gt"), undefined);
  });

  it("UAC: a 2xx reverses the Record-Route, a NOTIFY keeps its order", () => {
    const sent = { callId: "c2", localUri: "sip:alice@x", localTag: "at", remoteUri: "sip:bob@s" };
    const msg = { remoteTag: "bt", contact: "<sip:bob@192.0.2.7>", recordRoute: req.recordRoute };
    assert.deepEqual(uacDialog(sent, { ...msg, isResponse: true })?.routeSet, [
      "<sip:p2.example.com;lr>",
      "<sip:p1.example.com;lr>",
    ]);
    assert.deepEqual(uacDialog(sent, { ...msg, isResponse: false })?.routeSet, [
      "<sip:p1.example.com;lr>",
      "<sip:p2.example.com;lr>",
    ]);
    assert.equal(uacDialog(sent, { ...msg, remoteTag: "", isResponse: true }), undefined);
  });
});
