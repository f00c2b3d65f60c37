import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { offeredDirection, sdpCodecNames, sipLegSdp, withDirection } from "../../../src/call/sdp-edit.js";

/** What rtpengine 10.5 wrote towards the SIP leg for the WebRTC fixture's offer (abridged). */
const FROM_RTPENGINE = [
  "v=0",
  "o=- 3382618712240233614 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=extmap-allow-mixed",
  "a=msid-semantic: WMS f9f56956",
  "m=audio 25380 RTP/AVP 111 0 8 126",
  "c=IN IP4 127.0.0.1",
  "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
  "a=msid:f9f56956 c11748d6",
  "a=rtcp-rsize",
  "a=ssrc:2904670513 cname:YO+AWYbd+XF4Z9bq",
  "a=mid:0",
  "a=rtpmap:111 opus/48000/2",
  "a=fmtp:111 minptime=10;useinbandfec=1",
  "a=rtcp-fb:111 transport-cc",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:126 telephone-event/8000",
  "a=sendrecv",
  "a=rtcp:25381",
  "",
].join("\r\n");

describe("SDP edits of the call bridge", () => {
  it("sipLegSdp drops WebRTC-only attributes and keeps codecs, direction and RTCP port", () => {
    const out = sipLegSdp(FROM_RTPENGINE);
    for (const gone of ["extmap", "msid", "ssrc", "mid", "rtcp-rsize", "rtcp-fb"]) {
      assert.doesNotMatch(out, new RegExp(`^a=${gone}[:\\r]`, "m"), gone);
    }
    for (const kept of [
      "a=rtpmap:111 opus/48000/2",
      "a=fmtp:111 minptime=10;useinbandfec=1",
      "a=rtpmap:126 telephone-event/8000",
      "a=sendrecv",
      "a=rtcp:25381",
    ]) {
      assert.ok(out.includes(`${kept}\r\n`), kept);
    }
    assert.match(out, /^m=audio 25380 RTP\/AVP 111 0 8 126\r$/m);
  });

  it("withDirection sets each stream's direction once and the o= version", () => {
    const out = withDirection(FROM_RTPENGINE, "sendonly", 7);
    assert.match(out, /^o=- 3382618712240233614 7 IN IP4 127.0.0.1\r$/m);
    assert.deepEqual(
      out.split("\r\n").filter((l) => /^a=(sendrecv|sendonly|recvonly|inactive)$/.test(l)),
      ["a=sendonly"],
    );
  });

  it("offeredDirection: sendonly, inactive and c=0.0.0.0 are holds; default sendrecv", () => {
    assert.deepEqual(offeredDirection(FROM_RTPENGINE), { direction: "sendrecv", hold: false });
    assert.deepEqual(offeredDirection(withDirection(FROM_RTPENGINE, "sendonly", 3)), {
      direction: "sendonly",
      hold: true,
    });
    assert.deepEqual(offeredDirection(withDirection(FROM_RTPENGINE, "inactive", 3)).hold, true);
    const old = FROM_RTPENGINE.replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0").replace(
      "a=sendrecv\r\n",
      "",
    );
    assert.deepEqual(offeredDirection(old), { direction: "sendrecv", hold: true });
  });

  it("sdpCodecNames names static payload types without rtpmap (RFC 3551)", () => {
    const sdp =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 9 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    assert.deepEqual(sdpCodecNames(sdp), ["PCMU", "G722", "telephone-event"]);
    assert.deepEqual(sdpCodecNames(FROM_RTPENGINE), ["opus", "PCMU", "PCMA", "telephone-event"]);
  });
});
