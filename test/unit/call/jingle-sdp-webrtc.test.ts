/**
 * The Jingle <-> SDP mapping checked against a real WebRTC stack both ways: two Chromium browsers
 * (StanzaJS) that called each other through Prosody, each stanza and each browser's own SDP captured
 * (test/fixtures/call/jingle-webrtc/README.md).
 *
 * Lines the comparison with the browser's SDP ignores, because Jingle does not carry them:
 *   o=, s=, t= (session identity: the gateway writes its own),
 *   a=extmap-allow-mixed and a=msid-semantic (session level, no Jingle element),
 *   a=msid (only in StanzaJS's non-standard <stream xmlns='urn:xmpp:jingle:apps:rtp:msid:0'/>; the
 *     same ids reach SDP through the XEP-0339 a=ssrc msid parameter),
 *   a=rtcp (the browser's `a=rtcp:9 IN IP4 0.0.0.0` placeholder: rtcp-mux, no RTCP address),
 *   a=rtcp-xr (RFC 3611, no Jingle mapping).
 * Everything else must be equal, as sets of lines per block (attribute order is not meaningful).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import xml, { type Element } from "@xmpp/xml";
import { jingleContentElements, parseJingleContents } from "../../../src/call/jingle.js";
import type { IceUdpTransport, JingleSessionDescription } from "../../../src/call/jingle-model.js";
import { sdpToSession, sessionToSdp } from "../../../src/call/jingle-sdp.js";
import { NS_JINGLE } from "../../../src/call/namespaces.js";
import { canonical, fixtureText, jingleFixture, parseStanza, sdpLineSets } from "./call-fixtures.js";

const IGNORED = ["o", "s", "t", "a=extmap-allow-mixed", "a=msid-semantic", "a=msid", "a=rtcp", "a=rtcp-xr"];
const NS_MSID = "urn:xmpp:jingle:apps:rtp:msid:0";
const SCENARIOS = [
  { dir: "jingle-webrtc/jmi-audio-call/", initiate: "005", accept: "008" },
  { dir: "jingle-webrtc/direct-audio-call/", initiate: "001", accept: "006" },
];

function stanza(dir: string, prefix: string, action: string): Element {
  const names: Record<string, string> = {
    "005": "005-jingle-session-initiate-alice-to-bob.xml",
    "008": "008-jingle-session-accept-bob-to-alice.xml",
    "001": "001-jingle-session-initiate-alice-to-bob.xml",
    "006": "006-jingle-session-accept-bob-to-alice.xml",
  };
  const el = jingleFixture(dir + names[prefix]!);
  assert.equal(el.attrs.action, action);
  return el;
}

/** The <content/> and <group/> children of a <jingle/>, canonical, without StanzaJS's <stream/>. */
function contentsOf(jingle: Element) {
  return canonical(jingle, (e) => e.is("stream", NS_MSID)).children;
}

for (const s of SCENARIOS) {
  describe(`WebRTC fixture ${s.dir}`, () => {
    const offer = parseJingleContents(stanza(s.dir, s.initiate, "session-initiate"));

    it("session-initiate -> sessionToSdp equals the caller browser's own offer, line for line", () => {
      const ours = sessionToSdp(offer, { sessionId: "4611731400430051336", sessionVersion: 2 });
      const browser = fixtureText(`${s.dir}sdp-alice-01-local-sdp-offer.sdp`);
      assert.deepEqual(sdpLineSets(ours, IGNORED), sdpLineSets(browser, IGNORED));
    });

    it("the callee browser's answer SDP -> sdpToSession -> XML equals its session-accept contents", () => {
      const answer = sdpToSession(fixtureText(`${s.dir}sdp-bob-02-local-sdp-answer.sdp`), {
        role: "responder",
        like: offer,
      });
      const ours = xml("jingle", { xmlns: NS_JINGLE }, ...jingleContentElements(answer));
      assert.deepEqual(contentsOf(ours), contentsOf(stanza(s.dir, s.accept, "session-accept")));
    });

    it("the answer's model equals the model of the real session-accept, and survives the wire", () => {
      const fromSdp = sdpToSession(fixtureText(`${s.dir}sdp-bob-02-local-sdp-answer.sdp`), {
        role: "responder",
      });
      const fromXml = parseJingleContents(stanza(s.dir, s.accept, "session-accept"));
      assert.deepEqual(fromSdp, fromXml);
      const wire = parseStanza(
        xml("jingle", { xmlns: NS_JINGLE }, ...jingleContentElements(fromXml)).toString(),
      );
      assert.deepEqual(parseJingleContents(wire), fromXml);
    });

    it("the offer's model survives SDP and back (what rtpengine is given is what the client sent)", () => {
      const again = sdpToSession(sessionToSdp(offer, { sessionId: "1", sessionVersion: 1 }));
      assert.deepEqual(again, offer);
    });
  });
}

describe("trickled transport-info (jmi-audio-call)", () => {
  const dir = "jingle-webrtc/jmi-audio-call/";
  it("a transport-info candidate parses to the candidate the browser gathered", () => {
    const info = parseJingleContents(jingleFixture(`${dir}006-jingle-transport-info-alice-to-bob.xml`));
    assert.equal(info.contents.length, 1);
    const c = info.contents[0]!;
    assert.equal(c.name, "0");
    assert.equal(c.description, undefined);
    assert.deepEqual(c.transport, {
      kind: "ice-udp",
      ufrag: "COWE",
      candidates: [
        {
          foundation: "1554723711",
          component: 1,
          protocol: "udp",
          priority: 2122260223,
          ip: "127.0.0.1",
          port: 53151,
          type: "host",
          generation: 0,
        },
      ],
    });
  });

  it("<gathering-complete/> sets gatheringComplete, with no candidate", () => {
    for (const f of [
      "012-jingle-transport-info-bob-to-alice.xml",
      "014-jingle-transport-info-alice-to-bob.xml",
    ]) {
      const t = parseJingleContents(jingleFixture(dir + f)).contents[0]?.transport as IceUdpTransport;
      assert.equal(t.gatheringComplete, true);
      assert.deepEqual(t.candidates, []);
    }
  });

  it("candidates merged into the offer move the m= port and c= to the default candidate", () => {
    const offer = parseJingleContents(jingleFixture(`${dir}005-jingle-session-initiate-alice-to-bob.xml`));
    const merged: JingleSessionDescription = structuredClone(offer);
    const t = merged.contents[0]!.transport as IceUdpTransport;
    for (const f of [
      "006-jingle-transport-info-alice-to-bob.xml",
      "014-jingle-transport-info-alice-to-bob.xml",
    ]) {
      const info = parseJingleContents(jingleFixture(dir + f)).contents[0]!.transport as IceUdpTransport;
      t.candidates.push(...info.candidates);
      if (info.gatheringComplete) t.gatheringComplete = true;
    }
    const sdp = sessionToSdp(merged, { sessionId: "1", sessionVersion: 2 });
    assert.match(
      sdp,
      /\r\nm=audio 53151 UDP\/TLS\/RTP\/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 127\.0\.0\.1\r\n/,
    );
    assert.match(
      sdp,
      /\r\na=candidate:1554723711 1 udp 2122260223 127\.0\.0\.1 53151 typ host generation 0\r\n/,
    );
    assert.match(sdp, /\r\na=end-of-candidates\r\n$/);
    const before = sessionToSdp(offer, { sessionId: "1", sessionVersion: 1 });
    assert.match(
      before,
      /\r\nm=audio 9 .*\r\nc=IN IP4 0\.0\.0\.0\r\n/,
      "trickle: port 9, 0.0.0.0 before candidates",
    );
  });
});
