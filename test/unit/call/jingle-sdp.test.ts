import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findPayloads, hasCodec } from "../../../src/call/codecs.js";
import type {
  JingleContent,
  JingleSessionDescription,
  RtpDescription,
} from "../../../src/call/jingle-model.js";
import { hasAudio, sdpToSession, sessionToSdp } from "../../../src/call/jingle-sdp.js";
import { SdpError } from "../../../src/call/sdp-error.js";
import { parseSdp } from "../../../src/call/sdp.js";

const rtp = (media = "audio"): RtpDescription => ({
  media,
  payloads: [
    { id: 0, name: "PCMU", clockrate: 8000, channels: 1, parameters: [], rtcpFb: [] },
    {
      id: 101,
      name: "telephone-event",
      clockrate: 8000,
      channels: 1,
      parameters: [{ name: "0-16", value: "" }],
      rtcpFb: [],
    },
  ],
  rtcpMux: false,
  rtcpFb: [],
  rtcpReducedSize: false,
  hdrexts: [],
  sources: [],
  ssrcGroups: [],
});

const raw = (name: string, rtcpPort?: number): JingleContent => ({
  name,
  creator: "initiator",
  senders: "both",
  description: rtp(),
  transport: {
    kind: "raw-udp",
    candidates: [
      { id: `${name}-1`, component: 1, ip: "192.0.2.10", port: 40000, generation: 0 },
      ...(rtcpPort === undefined
        ? []
        : [{ id: `${name}-2`, component: 2, ip: "192.0.2.10", port: rtcpPort, generation: 0 }]),
    ],
  },
});

const session = (...contents: JingleContent[]): JingleSessionDescription => ({ contents, groups: [] });
const write = (d: JingleSessionDescription, role: "initiator" | "responder" = "initiator") =>
  sessionToSdp(d, { sessionId: "7", sessionVersion: 3, originAddress: "192.0.2.1", role });

describe("sessionToSdp / sdpToSession: RAW-UDP", () => {
  it("the component-1 candidate is c= and the m= port; RTCP at port + 1 needs no a=rtcp", () => {
    const sdp = write(session(raw("audio", 40001)));
    assert.match(sdp, /^v=0\r\no=- 7 3 IN IP4 192\.0\.2\.1\r\ns=-\r\nt=0 0\r\n/);
    assert.match(sdp, /\r\nm=audio 40000 RTP\/AVP 0 101\r\nc=IN IP4 192\.0\.2\.10\r\n/);
    assert.ok(!sdp.includes("a=rtcp:"));
    assert.deepEqual(sdpToSession(sdp), session(raw("audio", 40001)));
  });

  it("RTCP elsewhere is an a=rtcp line, read back as component 2", () => {
    const sdp = write(session(raw("audio", 50000)));
    assert.match(sdp, /\r\na=rtcp:50000 IN IP4 192\.0\.2\.10\r\n/);
    assert.deepEqual(sdpToSession(sdp), session(raw("audio", 50000)));
  });

  it("an SDP without ICE from a plain SIP phone becomes RAW-UDP (no component 2 under rtcp-mux)", () => {
    const d = sdpToSession(
      "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=audio 7078 RTP/AVP 8\r\na=rtcp-mux\r\n",
    );
    assert.deepEqual(d.contents[0]?.transport, {
      kind: "raw-udp",
      candidates: [{ id: "0-1", component: 1, ip: "192.0.2.5", port: 7078, generation: 0 }],
    });
    assert.equal(d.contents[0]?.name, "0", "no a=mid: the m= index names the content");
  });
});

describe("senders <-> direction depends on whose SDP it is", () => {
  const cases = [
    ["both", "initiator", "sendrecv"],
    ["none", "responder", "inactive"],
    ["initiator", "initiator", "sendonly"],
    ["initiator", "responder", "recvonly"],
    ["responder", "initiator", "recvonly"],
    ["responder", "responder", "sendonly"],
  ] as const;
  for (const [senders, role, direction] of cases) {
    it(`senders='${senders}' in the ${role}'s SDP is a=${direction}, and back`, () => {
      const d = session({ ...raw("audio", 40001), senders });
      const sdp = write(d, role);
      assert.match(sdp, new RegExp(`\\r\\na=${direction}\\r\\n`));
      assert.equal(sdpToSession(sdp, { role }).contents[0]?.senders, senders);
    });
  }

  it("a session-level direction applies to m= blocks without one; extmap directions map the same way", () => {
    const d = sdpToSession(
      "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\na=sendonly\r\n" +
        "m=audio 7078 RTP/AVP 8\r\na=extmap:1/recvonly urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n",
      { role: "responder" },
    );
    assert.equal(d.contents[0]?.senders, "responder");
    assert.deepEqual(d.contents[0]?.description?.hdrexts, [
      { id: 1, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level", senders: "initiator" },
    ]);
  });
});

describe("contents that are not translated", () => {
  it("video, or audio without a transport, is an m= line with port 0 and left out of BUNDLE", () => {
    const video: JingleContent = { ...raw("video", 40001), description: rtp("video") };
    const d: JingleSessionDescription = {
      contents: [raw("audio", 40001), video],
      groups: [{ semantics: "BUNDLE", contents: ["audio", "video"] }],
    };
    const sdp = parseSdp(write(d));
    assert.deepEqual(
      sdp.media.map((m) => [m.media, m.port, m.formats.join(" ")]),
      [
        ["audio", 40000, "0 101"],
        ["video", 0, "0 101"],
      ],
    );
    assert.deepEqual(sdp.attributes, [{ name: "group", value: "BUNDLE audio" }]);
    assert.deepEqual(sdp.media[1]?.attributes, [{ name: "mid", value: "video" }]);
    assert.deepEqual(
      sdpToSession(write(d)).contents.map((c) => c.name),
      ["audio"],
      "a port-0 m= line is no content",
    );
    assert.equal(hasAudio(d), true);
    assert.equal(hasAudio(session(video)), false);
    assert.equal(
      hasAudio(session({ name: "a", creator: "initiator", senders: "both", description: rtp() })),
      false,
    );
  });

  it("`like`: an answer's m= lines take the offered names and creators, in order", () => {
    const offer = session({ ...raw("voice", 40001), creator: "responder" });
    const answer = write(session({ ...raw("renamed", 40001) }), "responder");
    const d = sdpToSession(answer, { role: "responder", like: offer });
    assert.equal(d.contents[0]?.name, "voice");
    assert.equal(d.contents[0]?.creator, "responder");
    assert.throws(
      () => sdpToSession(answer, { like: session() }),
      SdpError,
      "m= count differs from the offer",
    );
  });
});

describe("RTCP feedback", () => {
  it("`*` feedback belongs to the description, per-payload to the payload; multi-parameter feedback is dropped", () => {
    const d = sdpToSession(
      "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=audio 7078 RTP/AVPF 96\r\n" +
        "a=rtpmap:96 opus/48000/2\r\na=rtcp-fb:* nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm tmmbr smaxpr=120\r\n" +
        "a=rtcp-fb:96 trr-int 100\r\n",
    );
    const desc = d.contents[0]!.description!;
    assert.deepEqual(desc.rtcpFb, [{ type: "nack" }]);
    assert.deepEqual(desc.payloads[0]?.rtcpFb, [{ type: "nack", subtype: "pli" }]);
    assert.match(write(d), /\r\na=rtcp-fb:\* nack\r\n(.*\r\n)*a=rtcp-fb:96 nack pli\r\n/);
  });
});

describe("codecs", () => {
  it("hasCodec finds telephone-event in a session or a description, names case-insensitive", () => {
    const d = session(raw("audio", 40001));
    assert.equal(hasCodec(d, "telephone-event"), true);
    assert.equal(hasCodec(d, "pcmu"), true);
    assert.equal(hasCodec(rtp(), "opus"), false);
    assert.deepEqual(
      findPayloads(d, "TELEPHONE-EVENT").map((p) => p.id),
      [101],
    );
  });

  it("a dynamic payload type without rtpmap is an SdpError; a static one gets its RFC 3551 name", () => {
    const sdp = (fmt: string) =>
      `v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=audio 7078 RTP/AVP ${fmt}\r\n`;
    assert.throws(() => sdpToSession(sdp("96")), SdpError);
    assert.deepEqual(
      sdpToSession(sdp("8 9")).contents[0]?.description?.payloads.map((p) => `${p.name}/${p.clockrate}`),
      ["PCMA/8000", "G722/8000"],
    );
  });
});

describe("injection: a value with CR/LF never becomes an SDP line", () => {
  it("a model value with a line break (built by code, not parsed) makes sessionToSdp throw", () => {
    const evil = raw("audio", 40001);
    evil.description!.payloads[0]!.parameters.push({ name: "x", value: "1\r\na=evil" });
    assert.throws(() => write(session(evil)), SdpError);
  });

  it("a bare CR inside an SDP line is refused outright, so it cannot end a line downstream", () => {
    const sdp =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n" +
      "m=audio 7078 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\ra=evil:1\r\n";
    assert.throws(() => sdpToSession(sdp), /control character|not an SDP line/);
  });

  it("every line sessionToSdp writes is one `x=` line", () => {
    const out = write(session(raw("audio", 50000)));
    for (const line of out.split("\r\n").slice(0, -1)) assert.match(line, /^[a-z]=[^\r\n]*$/);
  });

  it("malformed attributes in an SDP to be translated are SdpErrors", () => {
    const withAttr = (a: string) =>
      `v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=audio 7078 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n${a}\r\n`;
    assert.throws(
      () => sdpToSession(withAttr("").replace("opus/48000/2", "opus")),
      SdpError,
      "rtpmap without clock",
    );
    for (const a of [
      "a=fmtp:96 a=1;b=2;c d=3",
      "a=candidate:1 1 udp 2130706431 192.0.2.5 70000 typ host",
      "a=candidate:1 1 udp 2130706431 not-an-ip 7078 typ host",
      "a=candidate:1 0 udp 2130706431 192.0.2.5 7078 typ host",
      "a=ice-ufrag:has space",
      "a=ssrc:99999999999 cname:x",
      "a=extmap:0 urn:x",
      "a=mid:a b",
    ])
      assert.throws(() => sdpToSession(withAttr(a)), SdpError, a);
  });
});
