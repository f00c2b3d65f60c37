/**
 * Stanzas and SDP bodies from other real clients and servers (test/fixtures/call/README.md says where each
 * comes from): each one parses, keeps its codecs, ports and addresses through the model, and an SDP from
 * a SIP peer sanitises without losing an audio codec or telephone-event.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import xml from "@xmpp/xml";
import { hasCodec } from "../../../src/call/codecs.js";
import { jingleContentElements, parseJingleContents } from "../../../src/call/jingle.js";
import type { IceUdpTransport, JingleSessionDescription } from "../../../src/call/jingle-model.js";
import { sdpToSession, sessionToSdp } from "../../../src/call/jingle-sdp.js";
import { NS_JINGLE } from "../../../src/call/namespaces.js";
import { parseCandidate, writeCandidate } from "../../../src/call/sdp-candidate.js";
import { sanitizeSdp } from "../../../src/call/sdp-sanitize.js";
import { findAttributes, parseSdp, type Sdp } from "../../../src/call/sdp.js";
import { fixtureText, jingleFixture, parseStanza } from "./call-fixtures.js";

function overTheWire(d: JingleSessionDescription): JingleSessionDescription {
  const el = xml("jingle", { xmlns: NS_JINGLE }, ...jingleContentElements(d));
  return parseJingleContents(parseStanza(el.toString(), "jabber:client"));
}

const TRICKLE: IceUdpTransport = {
  kind: "ice-udp",
  ufrag: "abcd",
  pwd: "0123456789abcdefghijkl",
  candidates: [],
};

describe("Jingle from XMPP clients", () => {
  it("Conversations session-initiate (truncated excerpt): WebRTC's payload list, mono codecs without channels", () => {
    const d = parseJingleContents(jingleFixture("conversations-session-initiate-truncated.xml"));
    assert.deepEqual(d.groups, [{ semantics: "BUNDLE", contents: ["0"] }]);
    const desc = d.contents[0]!.description!;
    assert.deepEqual(
      desc.payloads.map((p) => `${p.id} ${p.name}/${p.clockrate}/${p.channels}`),
      [
        "111 opus/48000/2",
        "103 ISAC/16000/1",
        "104 ISAC/32000/1",
        "9 G722/8000/1",
        "102 ILBC/8000/1",
        "0 PCMU/8000/1",
        "8 PCMA/8000/1",
        "106 CN/32000/1",
        "105 CN/16000/1",
        "13 CN/8000/1",
        "110 telephone-event/48000/1",
      ],
    );
    assert.deepEqual(desc.payloads[0]?.rtcpFb, [{ type: "transport-cc" }]);
    assert.deepEqual(overTheWire(d), d);
    // The excerpt ends before the transport: give it a trickle ICE transport and go through SDP and back.
    const withIce: JingleSessionDescription = { ...d, contents: [{ ...d.contents[0]!, transport: TRICKLE }] };
    const sdp = sessionToSdp(withIce, { sessionId: "1", sessionVersion: 1 });
    assert.match(sdp, /\r\nm=audio 9 RTP\/AVPF 111 103 104 9 102 0 8 106 105 13 110\r\n/);
    assert.match(sdp, /\r\na=rtpmap:106 CN\/32000\r\n/);
    assert.deepEqual(sdpToSession(sdp), withIce);
  });

  it("Dino transport-info: a server-reflexive candidate with id, network, rel-addr and rel-port", () => {
    const d = parseJingleContents(jingleFixture("dino-transport-info-srflx.xml"));
    const t = d.contents[0]!.transport as IceUdpTransport;
    assert.equal(d.contents[0]!.name, "video");
    assert.equal(t.ufrag, "iDP1");
    assert.equal(t.pwd, "NmwqlS5rb0c/sjgVJ5qeec");
    const c = t.candidates[0]!;
    assert.deepEqual(c, {
      foundation: "7",
      component: 2,
      protocol: "udp",
      priority: 1679819518,
      ip: "195.52.176.74",
      port: 39404,
      type: "srflx",
      generation: 0,
      id: "2939a95d",
      network: 0,
      relAddr: "192.168.178.113",
      relPort: 39404,
    });
    const line = writeCandidate(c);
    assert.equal(
      line,
      "7 2 udp 1679819518 195.52.176.74 39404 typ srflx raddr 192.168.178.113 rport 39404 generation 0 network-id 0",
    );
    assert.deepEqual(parseCandidate(line), withoutId(c), "an SDP candidate has no id");
    assert.deepEqual(overTheWire(d), d);
  });

  it("aTalk session-accept (truncated excerpt): description ssrc, ptime as an fmtp parameter, SILK", () => {
    const d = parseJingleContents(jingleFixture("atalk-session-accept-truncated.xml"));
    const desc = d.contents[0]!.description!;
    assert.equal(desc.ssrc, "1928004519");
    assert.deepEqual(desc.payloads[0]?.parameters, [
      { name: "useinbandfec", value: "1" },
      { name: "usedtx", value: "1" },
      { name: "ptime", value: "20" },
    ]);
    assert.equal(desc.payloads[1]?.name, "SILK");
    const sdp = sessionToSdp(
      { ...d, contents: [{ ...d.contents[0]!, transport: TRICKLE }] },
      {
        sessionId: "1",
        sessionVersion: 1,
        role: "responder",
      },
    );
    assert.match(sdp, /\r\na=fmtp:96 useinbandfec=1;usedtx=1;ptime=20\r\n/);
    assert.match(sdp, /\r\na=rtpmap:97 SILK\/24000\r\n/);
  });
});

function withoutId<T extends { id?: string }>(c: T): Omit<T, "id"> {
  const { id: _id, ...rest } = c;
  return rest;
}

const SIP_SDPS: { file: string; port: number; address: string; codecs: string[]; ice?: boolean }[] = [
  {
    file: "baresip-android-invite.sdp",
    port: 8570,
    address: "192.168.168.187",
    codecs: [
      "AMR-WB",
      "AMR",
      "opus",
      "G722",
      "G7221",
      "G726-40",
      "G726-32",
      "G726-24",
      "G726-16",
      "G729",
      "CODEC2",
      "PCMA",
      "PCMU",
      "telephone-event",
    ],
  },
  {
    file: "asterisk-13-chan-sip-200ok-dtls.sdp",
    port: 17202,
    address: "31.186.99.61",
    codecs: ["PCMA", "PCMU", "telephone-event"],
  },
  {
    file: "asterisk-16-pjsip-invite.sdp",
    port: 12752,
    address: "192.0.2.17",
    codecs: ["PCMA", "PCMU", "G726-32", "G722", "GSM", "telephone-event"],
  },
  { file: "pjsua-200ok.sdp", port: 4000, address: "192.168.88.121", codecs: ["PCMU", "telephone-event"] },
  {
    file: "phonerlite-invite.sdp",
    port: 42236,
    address: "10.1.15.11",
    codecs: ["PCMA", "PCMU", "GSM", "G722", "G729", "telephone-event"],
  },
  {
    file: "rtpengine-sippy-offer-ice-sdes-dtls.sdp",
    port: 32116,
    address: "46.51.202.63",
    codecs: ["PCMA", "PCMU", "G729", "telephone-event"],
    ice: true,
  },
];

function rtpmaps(sdp: Sdp): string[] {
  return findAttributes(sdp.media[0]!.attributes, "rtpmap");
}

describe("SDP from SIP peers and rtpengine", () => {
  for (const f of SIP_SDPS) {
    describe(f.file, () => {
      const text = fixtureText(f.file);
      const original = parseSdp(text);

      it("sanitizes without losing a codec, telephone-event, the port or the address", () => {
        const clean = parseSdp(sanitizeSdp(text));
        const m = clean.media[0]!;
        assert.equal(m.port, f.port);
        assert.deepEqual(m.formats, original.media[0]!.formats);
        assert.equal((m.connection ?? clean.connection)?.address, f.address);
        assert.deepEqual(rtpmaps(clean), rtpmaps(original));
        assert.deepEqual(
          findAttributes(m.attributes, "fmtp"),
          findAttributes(original.media[0]!.attributes, "fmtp"),
        );
        assert.equal(sanitizeSdp(sanitizeSdp(text)), sanitizeSdp(text), "sanitizing is idempotent");
      });

      it("translates to a Jingle audio content and back with the same codecs, port and address", () => {
        const d = sdpToSession(text, { role: "responder" });
        const desc = d.contents[0]!.description!;
        assert.deepEqual([...new Set(desc.payloads.map((p) => p.name))], f.codecs);
        assert.ok(hasCodec(d, "telephone-event"));
        const t = d.contents[0]!.transport!;
        assert.equal(t.kind, f.ice ? "ice-udp" : "raw-udp");
        assert.deepEqual(overTheWire(d), d);
        const back = parseSdp(sessionToSdp(d, { sessionId: "1", sessionVersion: 1, role: "responder" }));
        const m = back.media[0]!;
        assert.equal(m.port, f.port);
        assert.equal(m.connection?.address, f.address);
        assert.deepEqual(m.formats, original.media[0]!.formats);
        assert.deepEqual(rtpmaps(back).sort(), rtpmaps(original).concat(missingRtpmaps(original)).sort());
      });
    });
  }

  it("rtpengine's ICE answer: ufrag, pwd, both candidates and the fingerprint reach Jingle (SDES does not)", () => {
    const d = sdpToSession(fixtureText("rtpengine-sippy-offer-ice-sdes-dtls.sdp"), { role: "responder" });
    const t = d.contents[0]!.transport as IceUdpTransport;
    assert.equal(t.ufrag, "9gVR2bxi");
    assert.equal(t.pwd, "7eew5h2Pg6vA0MLAITjEHPiQ3bF6");
    assert.deepEqual(
      t.candidates.map((c) => `${c.component} ${c.protocol} ${c.ip}:${c.port} ${c.type}`),
      ["1 udp 46.51.202.63:32116 host", "2 udp 46.51.202.63:32117 host"],
    );
    assert.deepEqual(t.fingerprint, {
      hash: "sha-1",
      setup: "actpass",
      value: "AB:B6:8A:6F:4F:50:32:2E:13:B9:6E:54:2F:B9:CE:60:5F:B8:D1:88",
    });
  });
});

/** The rtpmap lines the original left out (static payload types), which the model writes. */
function missingRtpmaps(sdp: Sdp): string[] {
  const m = sdp.media[0]!;
  const mapped = new Set(rtpmaps(sdp).map((v) => v.split(" ")[0]));
  const names: Record<string, string> = {
    "0": "PCMU/8000",
    "8": "PCMA/8000",
    "9": "G722/8000",
    "3": "GSM/8000",
    "18": "G729/8000",
  };
  return m.formats.filter((f) => !mapped.has(f)).map((f) => `${f} ${names[f] ?? "?"}`);
}
