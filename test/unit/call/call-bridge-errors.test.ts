/**
 * The call bridge when something fails: rtpengine refusing or not answering (each direction, offer
 * and answer), and input it must refuse with the right stanza error or SIP status.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Element } from "@xmpp/xml";
import { GatewayError } from "../../../src/errors/gateway-error.js";
import { NS_JINGLE, NS_JINGLE_ERRORS, NS_JINGLE_MESSAGE } from "../../../src/call/namespaces.js";
import { silenceLogging } from "../../../src/log/logger.js";
import {
  ALICE_LAPTOP,
  callHarness,
  reasonOf,
  settle,
  waitFor,
  type CallHarness,
  type MediaBehaviour,
} from "../../support/fake-call-ports.js";

silenceLogging(true);

const rtpengineFailures: [MediaBehaviour, string][] = [
  ["fail", "answers with an error"],
  ["timeout", "does not answer (MediaLink's timeout)"],
];

/** Everything rtpengine was asked to create was deleted, exactly once. */
function mediaCleanedUp(h: CallHarness): void {
  assert.equal(h.media.deletes.length, 1, "one delete");
  const id = h.media.offers[0]?.callId;
  assert.ok(id);
  assert.equal(h.media.deletesOf(id), 1);
  assert.equal(h.media.live.size, 0);
}

async function sipCallRinging(h: CallHarness) {
  const inv = h.incoming();
  await h.bridge.handleInvite(inv);
  const sid = h.xmpp.jmis("propose")[0]?.getChild("propose", NS_JINGLE_MESSAGE)?.attrs.id ?? "";
  return { inv, sid };
}

describe("call bridge: rtpengine fails", () => {
  for (const [behaviour, what] of rtpengineFailures) {
    it(`XMPP -> SIP, rtpengine ${what} to the offer -> <failed-application/>, no INVITE`, async () => {
      const h = callHarness({ mediaTimeout: 20 });
      h.media.offerBehaviour = behaviour;
      await h.message(h.alice.jmi("propose", "sid-1"));
      h.jingle(h.alice.jingle("session-initiate", "sid-1"));
      await waitFor(() => h.media.deletes.length === 1, "delete");
      await settle();
      const [terminate, ...more] = h.xmpp.jingles("session-terminate");
      assert.equal(more.length, 0);
      assert.equal(reasonOf(terminate!), "failed-application");
      assert.equal(terminate?.attrs.to, ALICE_LAPTOP);
      assert.equal(reasonOf(h.xmpp.jmis("finish")[0]!), "failed-application");
      assert.equal(h.sip.invites.length, 0);
      assert.equal(h.media.deletesOf(h.media.offers[0]!.callId), 1);
      assert.equal(h.bridge.activeCalls, 0);
    });

    it(`SIP -> XMPP, rtpengine ${what} to the offer -> 503 and the session is ended towards her`, async () => {
      const h = callHarness({ mediaTimeout: 20 });
      h.media.offerBehaviour = behaviour;
      const { inv, sid } = await sipCallRinging(h);
      await h.message(h.alice.jmi("proceed", sid));
      await waitFor(() => inv.finals.length === 1, "the final response");
      assert.equal(inv.final?.status, 503);
      await waitFor(() => h.media.deletes.length === 1, "delete");
      await settle();
      const told = [...h.xmpp.jmis("retract"), ...h.xmpp.jingles("session-terminate")];
      assert.equal(told.length, 1, "one <retract/> or session-terminate");
      assert.equal(reasonOf(told[0]!), "failed-application");
      assert.equal(h.xmpp.jingles("session-initiate").length, 0);
      mediaCleanedUp(h);
      assert.equal(h.bridge.activeCalls, 0);
    });

    it(`XMPP -> SIP, rtpengine ${what} to the answer of the 200 -> BYE and <failed-application/>`, async () => {
      const h = callHarness({ mediaTimeout: 20 });
      h.media.answerBehaviour = behaviour;
      h.jingle(h.alice.jingle("session-initiate", "sid-1"));
      await waitFor(() => h.sip.invites.length === 1, "INVITE");
      const dialog = h.sip.invites[0]!.answer();
      await waitFor(() => dialog.byes.length === 1, "BYE");
      assert.equal(dialog.byes[0], 'SIP;cause=503;text="failed-application"');
      await waitFor(() => h.media.deletes.length === 1, "delete");
      await settle();
      assert.equal(reasonOf(h.xmpp.jingles("session-terminate")[0]!), "failed-application");
      assert.equal(h.xmpp.jingles("session-accept").length, 0);
      mediaCleanedUp(h);
    });

    it(`SIP -> XMPP, rtpengine ${what} to the answer of her session-accept -> 503 and session-terminate`, async () => {
      const h = callHarness({ mediaTimeout: 20 });
      h.media.answerBehaviour = behaviour;
      const { inv, sid } = await sipCallRinging(h);
      await h.message(h.alice.jmi("proceed", sid));
      await waitFor(() => h.xmpp.jingles("session-initiate").length === 1, "session-initiate");
      h.jingle(h.alice.accept(h.xmpp.jingles("session-initiate")[0]!));
      await waitFor(() => inv.finals.length === 1, "the final response");
      assert.equal(inv.final?.status, 503);
      await waitFor(() => h.media.deletes.length === 1, "delete");
      await settle();
      assert.equal(reasonOf(h.xmpp.jingles("session-terminate")[0]!), "failed-application");
      mediaCleanedUp(h);
    });
  }
});

/** A session-initiate from the fixture, changed by `edit`. */
function initiate(h: CallHarness, edit: (jingle: Element) => void): Element {
  const iq = h.alice.jingle("session-initiate", "sid-1");
  edit(iq.getChild("jingle", NS_JINGLE)!);
  return iq;
}

function refusedWith(h: CallHarness, iq: Element, condition: string, appCondition?: string): void {
  assert.throws(
    () => h.jingle(iq),
    (e: unknown) => {
      assert.ok(e instanceof GatewayError, String(e));
      assert.equal(e.condition, condition);
      if (appCondition) assert.deepEqual(e.appCondition, { name: appCondition, xmlns: NS_JINGLE_ERRORS });
      return true;
    },
  );
}

describe("call bridge: Jingle input it refuses", () => {
  it("<jingle/> without a sid -> bad-request", async () => {
    const h = callHarness();
    refusedWith(
      h,
      initiate(h, (j) => delete j.attrs.sid),
      "bad-request",
    );
    await settle();
    assert.equal(h.media.offers.length + h.sip.invites.length + h.bridge.activeCalls, 0);
  });

  it("an unknown action -> bad-request", () => {
    const h = callHarness();
    refusedWith(
      h,
      initiate(h, (j) => (j.attrs.action = "session-explode")),
      "bad-request",
    );
  });

  it("a payload-type id of 300 -> bad-request", async () => {
    const h = callHarness();
    const iq = initiate(h, (j) => {
      const pt = j.getChild("content")?.getChild("description")?.getChildren("payload-type")[0];
      assert.ok(pt);
      pt.attrs.id = "300";
    });
    refusedWith(h, iq, "bad-request");
    await settle();
    assert.equal(h.media.offers.length, 0);
    assert.equal(h.bridge.activeCalls, 0);
  });

  for (const kind of ["transport-info", "session-terminate"] as const) {
    it(`${kind} for an unknown sid -> item-not-found with <unknown-session/>`, () => {
      const h = callHarness();
      refusedWith(h, h.alice.jingle(kind, "nobody-knows"), "item-not-found", "unknown-session");
    });
  }

  it("the same sid as another user's call is another session: unknown-session for him", async () => {
    const h = callHarness();
    h.jingle(h.alice.jingle("session-initiate", "sid-1"));
    await waitFor(() => h.sip.invites.length === 1, "INVITE");
    const mallory = h.alice.jingle("session-terminate", "sid-1");
    mallory.attrs.from = "mallory@xmpp.example.com/x";
    refusedWith(h, mallory, "item-not-found", "unknown-session");
    await settle();
    assert.deepEqual(h.sip.invites[0]?.cancels, []);
  });

  it("a session-initiate with only video is acknowledged, then ended <unsupported-applications/>", async () => {
    const h = callHarness();
    const iq = initiate(h, (j) => {
      const d = j.getChild("content")?.getChild("description");
      assert.ok(d);
      d.attrs.media = "video";
    });
    assert.equal(h.jingle(iq), true);
    await waitFor(() => h.xmpp.jingles("session-terminate").length === 1, "session-terminate");
    assert.equal(reasonOf(h.xmpp.jingles("session-terminate")[0]!), "unsupported-applications");
    assert.equal(h.sip.invites.length, 0);
    assert.equal(h.bridge.activeCalls, 0);
  });
});

describe("call bridge: INVITEs it refuses", () => {
  const sdpProblems: [string, string][] = [
    ["garbage SDP", "this is not SDP\r\n"],
    ["no SDP", ""],
    [
      "only video",
      "v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=video 49174 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n",
    ],
  ];
  for (const [what, sdp] of sdpProblems) {
    it(`${what} -> 488 with a Warning`, async () => {
      const h = callHarness();
      const inv = h.incoming({ sdp });
      await h.bridge.handleInvite(inv);
      assert.equal(inv.final?.status, 488);
      assert.match(inv.final?.headers.Warning ?? "", /^399 gateway ".+"$/);
      assert.equal(h.xmpp.out.length, 0, "nobody is rung");
      assert.equal(h.bridge.activeCalls, 0);
    });
  }

  it("From a domain the gateway does not serve -> 403", async () => {
    const h = callHarness();
    const inv = h.incoming({ from: "sip:mallory@evil.example.org" });
    await h.bridge.handleInvite(inv);
    assert.equal(inv.final?.status, 403);
    assert.equal(h.xmpp.out.length, 0);
  });

  for (const uri of ["sip:carol@sip.example.com", "sip:alice@elsewhere.example.net"]) {
    it(`to ${uri}, no XMPP user -> 404`, async () => {
      const h = callHarness();
      const inv = h.incoming({ uri });
      await h.bridge.handleInvite(inv);
      assert.equal(inv.final?.status, 404);
      assert.equal(h.xmpp.out.length, 0);
    });
  }

  it("XMPP link down -> 503 with Retry-After", async () => {
    const h = callHarness();
    h.xmpp.online = false;
    const inv = h.incoming();
    await h.bridge.handleInvite(inv);
    assert.equal(inv.final?.status, 503);
    assert.match(inv.final?.headers["Retry-After"] ?? "", /^\d+$/);
    assert.equal(h.xmpp.out.length, 0);
    assert.equal(h.bridge.activeCalls, 0);
  });

  it("rtpengine down -> 503 with Retry-After, nobody rung", async () => {
    const h = callHarness();
    h.media.available = false;
    const inv = h.incoming();
    await h.bridge.handleInvite(inv);
    assert.equal(inv.final?.status, 503);
    assert.match(inv.final?.headers["Retry-After"] ?? "", /^\d+$/);
    assert.equal(h.xmpp.out.length, 0);
    assert.equal(h.media.offers.length, 0);
  });
});
