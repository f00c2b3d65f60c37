import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SdpError, isSdpError } from "../../../src/call/sdp-error.js";
import { findAttribute, parseSdp, writeSdp, type Sdp } from "../../../src/call/sdp.js";

const BODY = [
  "v=0",
  "o=- 42 1 IN IP4 192.0.2.1",
  "s=-",
  "i=a session",
  "c=IN IP4 192.0.2.1",
  "b=AS:64",
  "t=0 0",
  "a=ice-lite",
  "m=audio 49170 RTP/AVP 0 101",
  "c=IN IP6 2001:db8::1",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-16",
  "a=rtcp-mux",
  "m=image 0 udptl t38",
];

function refused(text: string, why: RegExp): void {
  assert.throws(
    () => parseSdp(text),
    (e: unknown) => e instanceof SdpError && isSdpError(e) && e.name === "SdpError" && why.test(e.message),
  );
}

describe("parseSdp", () => {
  it("reads session and media lines, LF or CRLF alike", () => {
    const lf = parseSdp(BODY.join("\n") + "\n");
    assert.deepEqual(parseSdp(BODY.join("\r\n") + "\r\n"), lf);
    assert.deepEqual(lf.origin, {
      username: "-",
      sessionId: "42",
      sessionVersion: "1",
      addrType: "IP4",
      address: "192.0.2.1",
    });
    assert.deepEqual(lf.bandwidths, [{ type: "AS", value: 64 }]);
    assert.deepEqual(lf.attributes, [{ name: "ice-lite" }]);
    assert.equal(lf.media.length, 2);
    const audio = lf.media[0]!;
    assert.deepEqual(audio.formats, ["0", "101"]);
    assert.deepEqual(audio.connection, { addrType: "IP6", address: "2001:db8::1" });
    assert.equal(findAttribute(audio.attributes, "fmtp"), "101 0-16");
    assert.equal(findAttribute(audio.attributes, "rtcp-mux"), "");
    assert.deepEqual(lf.media[1]!.formats, ["t38"], "a non-RTP protocol keeps its format tokens");
  });

  it("drops the informational lines (i=) and writes CRLF", () => {
    const out = writeSdp(parseSdp(BODY.join("\n")));
    assert.ok(!out.includes("i=a session"));
    assert.ok(out.endsWith("\r\n"));
    assert.ok(!/[^\r]\n/.test(out), "every line ends with CRLF");
    assert.deepEqual(parseSdp(out), parseSdp(BODY.join("\n")));
  });

  it("refuses what it cannot read, naming the line", () => {
    refused("o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n", /v=0/);
    refused("v=0\r\ns=-\r\n", /o=/);
    refused("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", /s=/);
    refused(BODY.join("\n") + "\ngarbage", /not an SDP line: "garbage"/);
    refused(BODY.join("\n") + "\nx=unknown", /unknown SDP line|not allowed/);
    refused(BODY.join("\n").replace("m=audio 49170", "m=audio 70000"), /port/);
    refused(BODY.join("\n").replace("m=audio 49170", "m=audio -1"), /malformed m=/);
    refused(BODY.join("\n").replace("RTP/AVP 0 101", "RTP/AVP 0 300"), /payload type/);
    refused(BODY.join("\n").replace("RTP/AVP 0 101", "RTP/AVP 0 abc"), /payload type/);
    refused(BODY.join("\n").replace("RTP/AVP 0 101", "RTP/AVP"), /malformed m=/);
    refused(BODY.join("\n").replace("c=IN IP4 192.0.2.1", "c=IN IP4 not-an-ip"), /c= line/);
    refused(BODY.join("\n").replace("c=IN IP4 192.0.2.1", "c=IN IP4 224.2.1.1/127"), /c= line/);
    refused(BODY.join("\n").replace("c=IN IP6 2001:db8::1", "c=IN IP4 2001:db8::1"), /c= line/);
    refused(BODY.join("\n").replace("o=- 42 1 IN IP4 192.0.2.1", "o=- 42 IN IP4 192.0.2.1"), /o= line/);
    refused(BODY.join("\n").replace("b=AS:64", "b=AS:lots"), /b= line/);
    refused(BODY.join("\n") + "\ns=again", /not allowed/);
    refused("v=0\r\n".repeat(70000), /longer/);
  });

  it("an SdpError shows control characters escaped and long lines cut", () => {
    const e = new SdpError("bad", `a\u0000${"x".repeat(200)}`);
    assert.ok(e.line?.startsWith("a\\x00x"));
    assert.ok((e.line?.length ?? 0) <= 120);
  });
});

describe("writeSdp: no value can add a line", () => {
  const base = (): Sdp => parseSdp(BODY.join("\r\n"));

  for (const [what, mutate] of [
    [
      "attribute value with CRLF",
      (s: Sdp) => s.media[0]!.attributes.push({ name: "fmtp", value: "101 0-16\r\na=evil" }),
    ],
    ["attribute value with LF", (s: Sdp) => s.attributes.push({ name: "setup", value: "actpass\na=evil" })],
    ["attribute name with a colon", (s: Sdp) => s.attributes.push({ name: "a:b" })],
    ["session name with CR", (s: Sdp) => (s.sessionName = "x\rm=audio 1 RTP/AVP 0")],
    ["origin field with a space", (s: Sdp) => (s.origin.username = "a b")],
    [
      "connection address not an IP",
      (s: Sdp) => (s.connection = { addrType: "IP4", address: "1.2.3.4\r\n" }),
    ],
    ["format with a space", (s: Sdp) => s.media[0]!.formats.push("0 1")],
    ["port out of range", (s: Sdp) => (s.media[0]!.port = 65536)],
  ] as const) {
    it(`refuses a ${what}`, () => {
      const s = base();
      mutate(s);
      assert.throws(() => writeSdp(s), SdpError);
    });
  }
});
