/**
 * The call bridge, SIP -> XMPP, with recorded doors (test/support/fake-call-ports.ts): Bob's SIP
 * phone calls Alice; the gateway rings her devices with XEP-0353, asks the device that proceeds what
 * it speaks (disco#info), has rtpengine offer that, and bridges her answer back as the 200.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Element } from "@xmpp/xml";
import {
  NS_JINGLE,
  NS_JINGLE_ICE_UDP,
  NS_JINGLE_MESSAGE,
  NS_JINGLE_RAW_UDP,
  NS_JINGLE_RTP,
} from "../../../src/call/namespaces.js";
import { silenceLogging } from "../../../src/log/logger.js";
import {
  ALICE,
  ALICE_LAPTOP,
  BOB_PHONE,
  PHONE_OFFER,
  PHONE_OFFER_OPUS,
  callHarness,
  reasonOf,
  settle,
  waitFor,
  type CallHarness,
  type FakeIncomingInvite,
} from "../../support/fake-call-ports.js";

silenceLogging(true);

/** Bob's INVITE reaches the bridge; resolves with it and the sid of the <propose/> to Alice. */
async function ring(h: CallHarness, sdp = PHONE_OFFER): Promise<{ inv: FakeIncomingInvite; sid: string }> {
  const inv = h.incoming({ sdp });
  await h.bridge.handleInvite(inv);
  const propose = h.xmpp.jmis("propose").at(-1);
  const sid = propose?.getChild("propose", NS_JINGLE_MESSAGE)?.attrs.id;
  assert.ok(sid, "a <propose/> with an id");
  return { inv, sid };
}

/** ...and her laptop proceeds; resolves with the session-initiate it got. */
async function proceeded(h: CallHarness, sdp = PHONE_OFFER) {
  const r = await ring(h, sdp);
  await h.message(h.alice.jmi("proceed", r.sid));
  await waitFor(() => h.xmpp.jingles("session-initiate").length === 1, "session-initiate");
  return { ...r, initiate: h.xmpp.jingles("session-initiate")[0]! };
}

/** ...and she accepts; resolves once the 200 went out and its ACK came. */
async function answered(h: CallHarness) {
  const r = await proceeded(h);
  h.jingle(h.alice.accept(r.initiate));
  await waitFor(() => r.inv.dialog !== undefined, "the 200 and its ACK");
  return { ...r, dialog: r.inv.dialog!, mediaId: h.media.offers[0]!.callId };
}

function content(iq: Element) {
  return iq.getChild("jingle", NS_JINGLE)?.getChild("content");
}

describe("call bridge, SIP -> XMPP: set-up through XEP-0353", () => {
  it("INVITE -> <propose/> to her bare JID from bob@sip.example.com/phone; no answer yet", async () => {
    const h = callHarness();
    const { inv } = await ring(h);
    const [propose, ...more] = h.xmpp.jmis();
    assert.equal(more.length, 0);
    assert.equal(propose?.attrs.to, ALICE);
    assert.equal(propose?.attrs.from, BOB_PHONE);
    assert.equal(propose?.attrs.type, "chat", "XEP-0353 section 3: type chat");
    assert.ok(propose?.getChild("store", "urn:xmpp:hints"), "with a store hint");
    const d = propose?.getChild("propose", NS_JINGLE_MESSAGE)?.getChild("description", NS_JINGLE_RTP);
    assert.equal(d?.attrs.media, "audio");
    assert.deepEqual(inv.finals, []);
    assert.equal(h.media.offers.length, 0, "rtpengine waits for the device that proceeds");
    assert.equal(h.bridge.activeCalls, 1);
  });

  it("her <ringing/> -> 180 Ringing", async () => {
    const h = callHarness();
    const { inv, sid } = await ring(h);
    assert.equal(await h.message(h.alice.jmi("ringing", sid)), true);
    assert.deepEqual(inv.provisionals, [180]);
  });

  it("<proceed/> from her laptop -> disco#info to it -> ICE + DTLS offer with Opus added -> session-initiate", async () => {
    const h = callHarness();
    const { sid, initiate } = await proceeded(h);
    const [disco, ...moreDisco] = h.xmpp.discos();
    assert.equal(moreDisco.length, 0);
    assert.equal(disco?.attrs.type, "get");
    assert.equal(disco?.attrs.to, ALICE_LAPTOP);
    assert.equal(disco?.attrs.from, BOB_PHONE);
    assert.ok(h.xmpp.out.indexOf(disco!) < h.xmpp.out.indexOf(initiate), "disco before the offer");

    const [offer] = h.media.offers;
    assert.equal(offer?.fromTag, "sip");
    assert.equal(offer?.flags["transport-protocol"], "UDP/TLS/RTP/SAVPF");
    assert.equal(offer?.flags.ICE, "force");
    assert.equal(offer?.flags.DTLS, "passive");
    assert.deepEqual(offer?.flags.codec, { transcode: ["opus"] });
    assert.match(offer?.sdp ?? "", /^m=audio 49172 RTP\/AVP 0 8 101$/m, "the phone's offer");

    assert.equal(initiate.attrs.to, ALICE_LAPTOP);
    assert.equal(initiate.attrs.from, BOB_PHONE);
    const j = initiate.getChild("jingle", NS_JINGLE)!;
    assert.equal(j.attrs.sid, sid, "XEP-0353: the Jingle sid is the propose id");
    assert.equal(j.attrs.initiator, BOB_PHONE);
    const names = content(initiate)
      ?.getChild("description", NS_JINGLE_RTP)
      ?.getChildren("payload-type")
      .map((p) => p.attrs.name);
    assert.deepEqual(names, ["PCMU", "PCMA", "telephone-event", "opus", "telephone-event"]);
    const t = content(initiate)?.getChild("transport", NS_JINGLE_ICE_UDP);
    assert.ok(t?.attrs.ufrag, "ICE-UDP transport");
    assert.equal(t?.getChild("fingerprint")?.attrs.setup, "actpass");
    assert.ok(t && t.getChildren("candidate").length > 0);
  });

  it("a RAW-UDP-only device gets plain RTP/AVP without ICE", async () => {
    const h = callHarness();
    h.xmpp.disco = [
      "urn:xmpp:jingle:1",
      "urn:xmpp:jingle:apps:rtp:audio",
      "urn:xmpp:jingle:transports:raw-udp:1",
    ];
    const { initiate } = await proceeded(h);
    const flags = h.media.offers[0]?.flags;
    assert.equal(flags?.["transport-protocol"], "RTP/AVP");
    assert.equal(flags?.ICE, "remove");
    assert.equal(flags?.DTLS, "off");
    const raw = content(initiate)?.getChild("transport", NS_JINGLE_RAW_UDP);
    assert.ok(raw, "RAW-UDP transport");
    assert.equal(raw?.getChildren("candidate")[0]?.attrs.ip, "203.0.113.7");
    h.jingle(h.alice.accept(initiate));
    await waitFor(() => h.media.answers.length === 1, "rtpengine answer");
    assert.match(h.media.answers[0]?.sdp ?? "", /^m=audio 40000 RTP\/AVP /m, "her RAW-UDP candidate");
  });

  for (const disco of ["error", "none"] as const) {
    it(`disco#info ${disco === "error" ? "answered with an error" : "not answered"} -> WebRTC defaults`, async () => {
      const h = callHarness({ settings: { iqTimeout: 20 } });
      h.xmpp.disco = disco;
      await proceeded(h);
      assert.equal(h.xmpp.discos().length, 1, "her device was asked");
      const flags = h.media.offers[0]?.flags;
      assert.equal(flags?.["transport-protocol"], "UDP/TLS/RTP/SAVPF");
      assert.equal(flags?.ICE, "force");
      assert.equal(flags?.DTLS, "passive");
    });
  }

  it("a SIP offer with Opus gets no transcoding", async () => {
    const h = callHarness();
    await proceeded(h, PHONE_OFFER_OPUS);
    assert.equal(h.media.offers[0]?.flags.codec, undefined);
  });

  it("session-accept -> rtpengine answer (SIP leg) -> 200 with plain RTP/AVP SDP", async () => {
    const h = callHarness();
    const { inv, mediaId } = await answered(h);
    const [answer] = h.media.answers;
    assert.equal(answer?.callId, mediaId);
    assert.equal(answer?.fromTag, "sip");
    assert.equal(answer?.toTag, "xmpp");
    assert.equal(answer?.flags["transport-protocol"], "RTP/AVP");
    assert.equal(answer?.flags.ICE, "remove");
    assert.match(answer?.sdp ?? "", /^a=ice-ufrag:s9xk$/m, "her answer, as SDP");
    assert.match(answer?.sdp ?? "", /^a=setup:active$/m);
    assert.match(
      answer?.sdp ?? "",
      /^m=audio 9 UDP\/TLS\/RTP\/SAVPF 96 0 8 97 101$/m,
      "Opus first, offered ids",
    );
    const [ok, ...more] = inv.finals;
    assert.equal(more.length, 0);
    assert.equal(ok?.status, 200);
    assert.match(ok?.sdp ?? "", /^m=audio \d+ RTP\/AVP 0 8 101$/m);
    assert.doesNotMatch(
      ok?.sdp ?? "",
      /^a=(extmap|msid|ssrc|mid|group|rtcp-fb|ice-|candidate|fingerprint|setup)/m,
    );
    await settle();
    assert.equal(h.xmpp.jingles("session-terminate").length, 0);
    assert.equal(h.bridge.activeCalls, 1);
  });
});

describe("call bridge, SIP -> XMPP: how a call ends", () => {
  for (const [reason, status] of [
    ["busy", 486],
    ["decline", 603],
  ] as const) {
    it(`JMI <reject/> with <${reason}/> -> ${status}`, async () => {
      const h = callHarness();
      const { inv, sid } = await ring(h);
      await h.message(h.alice.jmi("reject", sid, { reason }));
      await waitFor(() => inv.finals.length === 1, "the final response");
      assert.equal(inv.final?.status, status);
      assert.match(inv.final?.headers.Reason ?? "", new RegExp(`^SIP;cause=${status};text="${reason}"$`));
      await waitFor(() => h.media.deletes.length === 1, "delete");
      await settle();
      assert.equal(h.xmpp.jmis("retract").length, 0, "she ended it: nothing back");
      assert.equal(h.bridge.activeCalls, 0);
    });
  }

  it("session-terminate <decline/> before session-accept -> 603", async () => {
    const h = callHarness();
    const { inv, sid } = await proceeded(h);
    h.jingle(h.alice.jingle("session-terminate", sid, { reason: "decline" }));
    await waitFor(() => inv.finals.length === 1, "the final response");
    assert.equal(inv.final?.status, 603);
    await waitFor(() => h.media.deletes.length === 1, "delete");
    assert.equal(h.media.deletesOf(h.media.offers[0]!.callId), 1);
  });

  it("nobody answers within ringTimeout -> <retract/> with <timeout/> and 480", async () => {
    const h = callHarness({ settings: { ringTimeout: 20 } });
    const { inv, sid } = await ring(h);
    await waitFor(() => inv.finals.length === 1, "the final response");
    assert.equal(inv.final?.status, 480);
    const [retract] = h.xmpp.jmis("retract");
    assert.equal(retract?.attrs.to, ALICE);
    assert.equal(retract?.getChild("retract", NS_JINGLE_MESSAGE)?.attrs.id, sid);
    assert.equal(reasonOf(retract!), "timeout");
    await waitFor(() => h.media.deletes.length === 1, "delete");
    assert.equal(h.bridge.activeCalls, 0);
  });

  it("CANCEL before she proceeds -> <retract/> with <cancel/>, no response from the gateway", async () => {
    const h = callHarness();
    const { inv, sid } = await ring(h);
    inv.fireCancel();
    await waitFor(() => h.xmpp.jmis("retract").length === 1, "retract");
    assert.equal(reasonOf(h.xmpp.jmis("retract")[0]!), "cancel");
    await waitFor(() => h.media.deletes.length === 1, "delete");
    await settle();
    assert.deepEqual([...inv.finals, ...inv.late], [], "the stack answered 487 itself");
    assert.equal(h.xmpp.jingles().length, 0);
    assert.equal(await h.message(h.alice.jmi("proceed", sid)), true);
    await settle();
    assert.equal(h.media.offers.length, 0, "a late <proceed/> sets nothing up");
  });

  it("CANCEL after the session-initiate -> session-terminate <cancel/>", async () => {
    const h = callHarness();
    const { inv } = await proceeded(h);
    inv.fireCancel();
    await waitFor(() => h.xmpp.jingles("session-terminate").length === 1, "session-terminate");
    const terminate = h.xmpp.jingles("session-terminate")[0]!;
    assert.equal(reasonOf(terminate), "cancel");
    assert.equal(terminate.attrs.to, ALICE_LAPTOP);
    await waitFor(() => h.media.deletes.length === 1, "delete");
    assert.deepEqual(inv.finals, []);
  });

  it("BYE after the answer -> session-terminate <success/> and <finish/>", async () => {
    const h = callHarness();
    const { dialog, mediaId } = await answered(h);
    dialog.fireBye();
    await waitFor(() => h.xmpp.jingles("session-terminate").length === 1, "session-terminate");
    assert.equal(reasonOf(h.xmpp.jingles("session-terminate")[0]!), "success");
    await waitFor(() => h.xmpp.jmis("finish").length === 1, "finish");
    assert.equal(h.xmpp.jmis("finish")[0]?.attrs.to, ALICE);
    await waitFor(() => h.media.deletes.length === 1, "delete");
    await settle();
    assert.equal(h.media.deletesOf(mediaId), 1);
    assert.deepEqual(dialog.byes, []);
  });

  it("her session-terminate <connectivity-error/> after the answer -> BYE with Reason: SIP;cause=503", async () => {
    const h = callHarness();
    const { dialog, sid } = await answered(h);
    h.jingle(h.alice.jingle("session-terminate", sid, { reason: "connectivity-error" }));
    await waitFor(() => dialog.byes.length === 1, "BYE");
    assert.equal(dialog.byes[0], 'SIP;cause=503;text="connectivity-error"');
    await waitFor(() => h.media.deletes.length === 1, "delete");
    await settle();
    assert.equal(h.xmpp.jingles("session-terminate").length, 0);
    assert.equal(reasonOf(h.xmpp.jmis("finish")[0]!), "connectivity-error");
  });

  it("her session-terminate <success/> after the answer -> BYE (RFC 3326: no Reason for a normal hang-up)", async () => {
    const h = callHarness();
    const { dialog, sid } = await answered(h);
    h.jingle(h.alice.jingle("session-terminate", sid));
    await waitFor(() => dialog.byes.length === 1, "BYE");
    assert.equal(dialog.byes[0], undefined);
    await waitFor(() => h.media.deletes.length === 1, "delete");
    assert.equal(h.bridge.activeCalls, 0);
  });
});
