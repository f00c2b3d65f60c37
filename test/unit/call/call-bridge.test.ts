/**
 * The call bridge, XMPP -> SIP, with recorded doors (test/support/fake-call-ports.ts): Alice's
 * WebRTC client (the captured stanzas of test/fixtures/call/jingle-webrtc/jmi-audio-call) calls Bob,
 * a SIP phone. What goes to SIP, to rtpengine and back to her, and every way such a call ends.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  NS_JINGLE,
  NS_JINGLE_ICE_UDP,
  NS_JINGLE_RTP,
  NS_JINGLE_RTP_INFO,
} from "../../../src/call/namespaces.js";
import { silenceLogging } from "../../../src/log/logger.js";
import {
  ALICE,
  ALICE_LAPTOP,
  BOB_PHONE,
  callHarness,
  reasonOf,
  settle,
  waitFor,
  type CallHarness,
  type OutgoingCall,
} from "../../support/fake-call-ports.js";

silenceLogging(true);

/** Alice proposes (JMI), then sends the captured session-initiate; resolves with Bob's INVITE. */
async function placeCall(h: CallHarness, sid = "sid-1", jmi = true): Promise<OutgoingCall> {
  const before = h.sip.invites.length;
  if (jmi) await h.message(h.alice.jmi("propose", sid));
  assert.equal(h.jingle(h.alice.jingle("session-initiate", sid)), true);
  await waitFor(() => h.sip.invites.length > before, "the INVITE");
  return h.sip.invites[before]!;
}

/** ...and Bob answers 200; resolves once Alice got her session-accept. */
async function answeredCall(h: CallHarness, sid = "sid-1") {
  const out = await placeCall(h, sid);
  out.provisional(180);
  const dialog = out.answer();
  await waitFor(() => h.xmpp.jingles("session-accept").length > 0, "session-accept");
  return { out, dialog, mediaId: h.media.offers[0]!.callId };
}

const WEBRTC_ONLY =
  /^a=(extmap|msid|ssrc|mid|group|rtcp-rsize|rtcp-fb|ice-|candidate|fingerprint|setup|end-of-candidates)/m;

describe("call bridge, XMPP -> SIP: set-up through XEP-0353", () => {
  it("propose is answered <proceed/> from bob@sip.example.com/phone to Alice's full JID", async () => {
    const h = callHarness();
    assert.equal(await h.message(h.alice.jmi("propose", "sid-1")), true);
    const [proceed, ...more] = h.xmpp.jmis();
    assert.equal(more.length, 0);
    assert.equal(proceed?.attrs.from, BOB_PHONE);
    assert.equal(proceed?.attrs.to, ALICE_LAPTOP);
    assert.equal(proceed?.getChild("proceed", "urn:xmpp:jingle-message:0")?.attrs.id, "sid-1");
    assert.equal(h.sip.invites.length, 0, "nothing rings before the session-initiate");
  });

  it("session-initiate: iq result, rtpengine offer with the SIP leg's flags, INVITE with plain RTP/AVP SDP", async () => {
    const h = callHarness();
    const out = await placeCall(h);
    const [offer] = h.media.offers;
    assert.equal(h.media.offers.length, 1);
    assert.equal(offer?.fromTag, "xmpp");
    assert.equal(offer?.flags["transport-protocol"], "RTP/AVP");
    assert.equal(offer?.flags.ICE, "remove");
    assert.equal(offer?.flags.DTLS, "off");
    assert.deepEqual(offer?.flags["rtcp-mux"], ["demux"]);
    assert.equal(offer?.flags.codec, undefined, "her offer has PCMU and PCMA: nothing to transcode");
    // rtpengine got her offer as SDP: DTLS and ICE from the fixture.
    assert.match(offer?.sdp ?? "", /^m=audio 9 UDP\/TLS\/RTP\/SAVPF 111 63 9 0 8 13 110 126$/m);
    assert.match(offer?.sdp ?? "", /^a=ice-ufrag:COWE$/m);

    assert.equal(out.invite.uri, "sip:bob@sip.example.com");
    assert.equal(out.invite.to, "sip:bob@sip.example.com");
    assert.equal(out.invite.from, "sip:alice@xmpp.example.com");
    assert.match(out.invite.sdp, /^m=audio \d+ RTP\/AVP 111 63 9 0 8 13 110 126$/m);
    assert.match(out.invite.sdp, /^a=rtpmap:0 PCMU\/8000$/m);
    assert.doesNotMatch(out.invite.sdp, WEBRTC_ONLY);
    assert.equal(h.bridge.activeCalls, 1);
    assert.equal(h.xmpp.jingles().length, 0, "no Jingle iq to her before SIP says something");
  });

  it("180 Ringing -> session-info <ringing/> to her device", async () => {
    const h = callHarness();
    const out = await placeCall(h);
    out.provisional(180);
    await waitFor(() => h.xmpp.jingles("session-info").length === 1, "session-info");
    const info = h.xmpp.jingles("session-info")[0]!;
    assert.equal(info.attrs.from, BOB_PHONE);
    assert.equal(info.attrs.to, ALICE_LAPTOP);
    const j = info.getChild("jingle", NS_JINGLE)!;
    assert.equal(j.attrs.sid, "sid-1");
    assert.ok(j.getChild("ringing", NS_JINGLE_RTP_INFO));
  });

  it("200 with SDP -> rtpengine answer -> session-accept with her contents, ICE and DTLS", async () => {
    const h = callHarness();
    const out = await placeCall(h);
    out.answer();
    await waitFor(() => h.xmpp.jingles("session-accept").length === 1, "session-accept");
    const [answer] = h.media.answers;
    assert.equal(answer?.fromTag, "xmpp");
    assert.equal(answer?.toTag, "sip");
    assert.match(
      answer?.sdp ?? "",
      /^m=audio 49170 RTP\/AVP 0 101$/m,
      "the phone's answer went to rtpengine",
    );
    assert.equal(answer?.flags["transport-protocol"], "UDP/TLS/RTP/SAVPF");
    assert.equal(answer?.flags.ICE, "force");
    assert.equal(answer?.flags.DTLS, "passive");

    const iq = h.xmpp.jingles("session-accept")[0]!;
    assert.equal(iq.attrs.to, ALICE_LAPTOP);
    const j = iq.getChild("jingle", NS_JINGLE)!;
    assert.equal(j.attrs.sid, "sid-1");
    assert.equal(j.attrs.responder, BOB_PHONE);
    const content = j.getChild("content");
    assert.equal(content?.attrs.name, "0", "the content keeps the name of her offer");
    const payloads = content?.getChild("description", NS_JINGLE_RTP)?.getChildren("payload-type") ?? [];
    assert.deepEqual(
      payloads.map((p) => p.attrs.name),
      ["PCMU", "telephone-event"],
    );
    const transport = content?.getChild("transport", NS_JINGLE_ICE_UDP);
    assert.ok(transport?.attrs.ufrag && transport.attrs.pwd);
    assert.equal(transport?.getChild("fingerprint")?.attrs.setup, "passive");
    assert.equal(transport?.getChildren("candidate").length, 1);
    await waitFor(() => h.bridge.activeCalls === 1, "the call to stay");
  });

  it("BYE from SIP -> session-terminate <success/>, JMI <finish/>, rtpengine call deleted once", async () => {
    const h = callHarness();
    const { dialog, mediaId } = await answeredCall(h);
    dialog.fireBye();
    await waitFor(() => h.media.deletes.length > 0, "the media delete");
    await settle();
    const [terminate, ...more] = h.xmpp.jingles("session-terminate");
    assert.equal(more.length, 0);
    assert.equal(reasonOf(terminate!), "success");
    const [finish] = h.xmpp.jmis("finish");
    assert.equal(finish?.attrs.to, ALICE, "XEP-0353 section 3.6: <finish/> to her bare JID");
    assert.equal(finish?.attrs.from, BOB_PHONE);
    assert.equal(reasonOf(finish!), "success");
    assert.equal(h.media.deletesOf(mediaId), 1);
    assert.equal(h.media.deletes.length, 1);
    assert.deepEqual(dialog.byes, [], "no BYE back to the one who hung up");
    assert.equal(h.bridge.activeCalls, 0);
  });
});

describe("call bridge, XMPP -> SIP: how a call ends", () => {
  it("she hangs up before the answer -> CANCEL with a Reason, media deleted, the 487 changes nothing", async () => {
    const h = callHarness();
    const out = await placeCall(h);
    out.provisional(180);
    h.jingle(h.alice.jingle("session-terminate", "sid-1", { reason: "cancel" }));
    await waitFor(() => out.cancels.length === 1, "CANCEL");
    assert.equal(out.cancels[0], 'SIP;cause=487;text="cancel"');
    await waitFor(() => out.settled, "the 487");
    await settle();
    assert.equal(h.media.deletes.length, 1);
    assert.equal(h.xmpp.jingles("session-terminate").length, 0, "she ended it: no session-terminate back");
    assert.equal(h.bridge.activeCalls, 0);
  });

  it("she hangs up after the answer -> BYE, media deleted", async () => {
    const h = callHarness();
    const { dialog, mediaId } = await answeredCall(h);
    h.jingle(h.alice.jingle("session-terminate", "sid-1"));
    await waitFor(() => dialog.byes.length === 1, "BYE");
    assert.equal(dialog.byes[0], undefined, "a normal hang-up carries no Reason");
    await waitFor(() => h.media.deletes.length === 1, "delete");
    assert.equal(h.media.deletesOf(mediaId), 1);
    await settle();
    assert.equal(h.xmpp.jingles("session-terminate").length, 0);
    assert.equal(h.bridge.activeCalls, 0);
  });

  const failures: [number, string, string][] = [
    [486, "Busy Here", "busy"],
    [603, "Decline", "decline"],
    [408, "Request Timeout", "timeout"],
    [480, "Temporarily Unavailable", "timeout"],
    [404, "Not Found", "gone"],
    [488, "Not Acceptable Here", "incompatible-parameters"],
    [503, "Service Unavailable", "connectivity-error"],
  ];
  for (const [status, phrase, condition] of failures) {
    it(`SIP ${status} ${phrase} -> session-terminate <${condition}/>, media deleted`, async () => {
      const h = callHarness();
      const out = await placeCall(h);
      out.provisional(180);
      out.fail(status, phrase);
      await waitFor(() => h.xmpp.jingles("session-terminate").length === 1, "session-terminate");
      const terminate = h.xmpp.jingles("session-terminate")[0]!;
      assert.equal(reasonOf(terminate), condition);
      assert.equal(terminate.attrs.to, ALICE_LAPTOP);
      assert.match(
        terminate.getChild("jingle", NS_JINGLE)?.getChild("reason")?.getChildText("text") ?? "",
        new RegExp(`${status}`),
      );
      await waitFor(() => h.media.deletes.length === 1, "delete");
      await settle();
      assert.equal(reasonOf(h.xmpp.jmis("finish")[0]!), condition);
      assert.deepEqual(out.cancels, []);
      assert.equal(h.media.deletes.length, 1);
      assert.equal(h.bridge.activeCalls, 0);
    });
  }

  it("retract before the session-initiate: nothing rings, nothing to rtpengine", async () => {
    const h = callHarness();
    await h.message(h.alice.jmi("propose", "sid-1"));
    assert.equal(await h.message(h.alice.jmi("retract", "sid-1")), true);
    await settle();
    assert.equal(h.xmpp.out.length, 1, "only the <proceed/>");
    assert.equal(h.sip.invites.length, 0);
    assert.equal(h.media.offers.length + h.media.deletes.length, 0);
    assert.equal(h.bridge.activeCalls, 0);
  });

  it("retract after the session-initiate -> CANCEL", async () => {
    const h = callHarness();
    const out = await placeCall(h);
    await h.message(h.alice.jmi("retract", "sid-1"));
    await waitFor(() => out.cancels.length === 1, "CANCEL");
    await waitFor(() => h.media.deletes.length === 1, "delete");
    assert.equal(h.bridge.activeCalls, 0);
  });

  it("nobody answers within ringTimeout -> CANCEL and session-terminate <timeout/>", async () => {
    const h = callHarness({ settings: { ringTimeout: 20 } });
    const out = await placeCall(h);
    out.provisional(180);
    await waitFor(() => out.cancels.length === 1, "CANCEL");
    assert.equal(out.cancels[0], 'SIP;cause=480;text="timeout"');
    await waitFor(() => h.xmpp.jingles("session-terminate").length === 1, "session-terminate");
    assert.equal(reasonOf(h.xmpp.jingles("session-terminate")[0]!), "timeout");
    await waitFor(() => h.media.deletes.length === 1, "delete");
    assert.equal(h.bridge.activeCalls, 0);
  });

  it("a 200 that crosses her hang-up -> BYE for the dialog, no session-accept", async () => {
    const h = callHarness();
    h.sip.cancelAnswers487 = false;
    const out = await placeCall(h);
    h.jingle(h.alice.jingle("session-terminate", "sid-1", { reason: "cancel" }));
    await waitFor(() => out.cancels.length === 1, "CANCEL");
    const dialog = out.answer();
    await waitFor(() => dialog.byes.length === 1, "BYE");
    assert.equal(dialog.byes[0], 'SIP;cause=487;text="cancel"');
    await settle();
    assert.equal(h.xmpp.jingles("session-accept").length, 0);
    assert.equal(h.media.answers.length, 0);
    assert.equal(h.media.deletes.length, 1);
  });

  it("she hangs up while the INVITE is still being sent -> it is cancelled once it is out", async () => {
    const h = callHarness();
    h.sip.sentAtOnce = false;
    const out = await placeCall(h);
    h.jingle(h.alice.jingle("session-terminate", "sid-1", { reason: "cancel" }));
    await waitFor(() => h.media.deletes.length === 1, "delete");
    out.sent(); // drachtio-srf reports the INVITE sent only now
    await waitFor(() => out.cancels.length === 1, "CANCEL of the INVITE that went out", 200);
  });
});
