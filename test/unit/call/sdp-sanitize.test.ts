import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SdpError } from "../../../src/call/sdp-error.js";
import { sanitizeSdp } from "../../../src/call/sdp-sanitize.js";
import { findAttributes, parseSdp } from "../../../src/call/sdp.js";

const HEAD = "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n";
const audio = (...attrs: string[]) =>
  `${HEAD}m=audio 7078 RTP/AVP 0 101\r\n${attrs.map((a) => `${a}\r\n`).join("")}`;

describe("sanitizeSdp", () => {
  it("keeps the whitelisted lines, in order, and drops the rest", () => {
    const out = sanitizeSdp(
      HEAD.replace("t=0 0", "b=CT:1000\r\nb=AS:64\r\nt=0 0") +
        "a=X-nat:0\r\na=msid-semantic: WMS x\r\na=ice-lite\r\n" +
        "m=audio 7078 RTP/AVP 0 101\r\nb=TIAS:64000\r\nb=RR:0\r\n" +
        "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=label:1\r\n" +
        "a=silenceSupp:off - - - -\r\na=direction:both\r\na=ptime:20\r\na=sendrecv\r\na=rtcp:7079\r\n" +
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32\r\n",
    );
    assert.equal(
      out,
      HEAD.replace("t=0 0", "b=AS:64\r\nt=0 0") +
        "a=ice-lite\r\n" +
        "m=audio 7078 RTP/AVP 0 101\r\nb=TIAS:64000\r\n" +
        "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n" +
        "a=ptime:20\r\na=sendrecv\r\na=rtcp:7079\r\n" +
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32\r\n",
    );
  });

  it("keeps a non-RTP m= line (T.38) as a rejected stream, so the m= count does not change", () => {
    const out = parseSdp(
      sanitizeSdp(`${audio("a=rtpmap:0 PCMU/8000")}m=image 4000 udptl t38\r\na=T38FaxVersion:0\r\n`),
    );
    assert.deepEqual(
      out.media.map((m) => [m.media, m.port, m.proto, m.attributes.length]),
      [
        ["audio", 7078, "RTP/AVP", 1],
        ["image", 0, "udptl", 0],
      ],
    );
  });

  for (const bad of [
    "a=rtpmap:96 opus/48000/2", // payload type not in the m= line
    "a=rtpmap:0 PCMU",
    "a=rtpmap:* PCMU/8000",
    "a=fmtp:7 0-16",
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 notinline",
    "a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:abc",
    "a=candidate:1 1 UDP 2130706431 192.0.2.5 70000 typ host",
    "a=fingerprint:sha-256 zz:yy",
    "a=setup:maybe",
    "a=ice-ufrag:a b",
    "a=rtcp:99999",
    "a=sendrecv:yes",
    "a=ssrc:x cname:y",
  ])
    it(`refuses a malformed kept attribute: ${bad}`, () =>
      assert.throws(() => sanitizeSdp(audio(bad)), SdpError));

  it("keeps RTCP feedback for all payload types (`*`)", () => {
    const out = sanitizeSdp(audio("a=rtcp-fb:* nack pli", "a=rtcp-fb:101 ccm tmmbr smaxpr=120"));
    assert.deepEqual(findAttributes(parseSdp(out).media[0]!.attributes, "rtcp-fb"), [
      "* nack pli",
      "101 ccm tmmbr smaxpr=120",
    ]);
  });

  it("refuses an RTP m= line with no address at all", () => {
    assert.throws(
      () => sanitizeSdp("v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nt=0 0\r\nm=audio 7078 RTP/AVP 0\r\n"),
      SdpError,
    );
  });

  it("a value with CR/LF cannot survive: the SDP is refused before anything is written", () => {
    assert.throws(() => sanitizeSdp(audio("a=rtpmap:0 PCMU/8000\ra=evil")), SdpError);
    const out = sanitizeSdp(audio("a=rtpmap:0 PCMU/8000\na=ice-ufrag:abcd"));
    assert.deepEqual(
      findAttributes(parseSdp(out).media[0]!.attributes, "ice-ufrag"),
      ["abcd"],
      "LF is a line end",
    );
  });
});
