/** SIP syntax of the test server: compact headers, folded lines, lists, Content-Length, URIs and Via. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SipMessage } from "../../support/drachtio/sip-message.js";
import { parseUri, parseVia, splitNameAddr, tagOf, topVia } from "../../support/drachtio/sip-addr.js";

const RAW = [
  "MESSAGE sip:gw@127.0.0.1:5080 SIP/2.0",
  "v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKaaa, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKbbb",
  "f: <sip:a@example.com>;tag=abc",
  "t: sip:gw@127.0.0.1",
  "i: call-1",
  "CSeq: 7 MESSAGE",
  "Subject: a folded",
  "   subject line",
  "c: text/plain",
  "l: 5",
  "",
  "hello, and trailing bytes a datagram may carry",
].join("\r\n");

describe("SIP message parsing", () => {
  const m = SipMessage.parse(Buffer.from(RAW));

  it("reads compact header names as their full names", () => {
    assert.equal(m.method, "MESSAGE");
    assert.equal(m.callId, "call-1");
    assert.equal(m.get("From"), "<sip:a@example.com>;tag=abc");
    assert.equal(m.get("content-type"), "text/plain");
    assert.deepEqual(m.cseq, { seq: 7, method: "MESSAGE" });
  });

  it("unfolds continuation lines and splits Via lists", () => {
    assert.equal(m.get("subject"), "a folded subject line");
    assert.equal(m.getAll("via").length, 2);
    assert.equal(topVia(m)?.host, "10.0.0.1");
  });

  it("cuts the body at Content-Length and keeps received header lines as they were", () => {
    assert.equal(m.body, "hello");
    assert.match(m.toString(false), /\r\nl: 5\r\n\r\nhello$/);
    m.body = "hi ü";
    assert.match(m.toString(), /\r\nl: 5\r\n\r\nhi ü$/); // 5 bytes: Content-Length counts bytes
    m.body = "longer body";
    assert.match(m.toString(), /\r\nl: 11\r\n/);
  });

  it("parses responses and rejects garbage", () => {
    const r = SipMessage.parse("SIP/2.0 180 Ringing\r\nCall-ID: x\r\n\r\n");
    assert.deepEqual([r.isRequest, r.status, r.reason], [false, 180, "Ringing"]);
    assert.throws(() => SipMessage.parse("hello world\r\n\r\n"));
  });
});

describe("SIP addresses", () => {
  it("parses URIs, name-addrs and Via values", () => {
    const u = parseUri("sip:x@127.0.0.1:5093;transport=UDP;lr");
    assert.deepEqual(
      [u?.user, u?.host, u?.port, u?.params.get("transport"), u?.params.get("lr")],
      ["x", "127.0.0.1", 5093, "UDP", null],
    );
    assert.deepEqual(splitNameAddr('"Bob" <sip:b@h;x=1>;tag=9'), {
      display: '"Bob"',
      uri: "sip:b@h;x=1",
      params: ";tag=9",
    });
    assert.deepEqual(splitNameAddr("sip:n@h:5099;transport=tcp;tag=t"), {
      display: "",
      uri: "sip:n@h:5099",
      params: ";transport=tcp;tag=t",
    });
    assert.equal(tagOf("<sip:a@b>;tag=xyz;foo"), "xyz");
    assert.equal(tagOf("<sip:a@b;tag=no>"), undefined);
    const v = parseVia("SIP/2.0/TCP 127.0.0.1:5080;rport;branch=z9hG4bKx");
    assert.deepEqual(
      [v?.protocol, v?.port, v?.params],
      [
        "TCP",
        5080,
        [
          ["rport", null],
          ["branch", "z9hG4bKx"],
        ],
      ],
    );
  });
});
