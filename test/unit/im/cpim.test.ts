import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpimContentHeader, cpimHeader, formatCpim, parseCpim } from "../../../src/im/codec/cpim.js";
import { CPIM_DEFAULT_NS, CPIM_IMDN_NS } from "../../../src/im/codec/namespaces.js";
import { SipBodyError } from "../../../src/im/codec/sip-body-error.js";
import { fixture } from "./im-fixtures.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

describe("parseCpim on the RFC 3862 example (via liblinphone's cpim-tester)", () => {
  const msg = parseCpim(fixture("rfc3862-example-via-liblinphone-cpim-tester.cpim"));

  it("message headers, in order, with namespaces resolved through NS", () => {
    assert.deepEqual(
      msg.headers.map((h) => [h.ns, h.local]),
      [
        [CPIM_DEFAULT_NS, "From"],
        [CPIM_DEFAULT_NS, "To"],
        [CPIM_DEFAULT_NS, "DateTime"],
        [CPIM_DEFAULT_NS, "Subject"],
        [CPIM_DEFAULT_NS, "Subject"],
        [CPIM_DEFAULT_NS, "NS"],
        [CPIM_DEFAULT_NS, "Require"],
        ["mid:MessageFeatures@id.foo.com", "VitalMessageOption"],
        ["mid:MessageFeatures@id.foo.com", "WackyMessageOption"],
      ],
    );
    assert.equal(cpimHeader(msg, CPIM_DEFAULT_NS, "From"), `"MR SANDERS"<im:piglet@100akerwood.com>`);
    assert.equal(
      cpimHeader(msg, "mid:MessageFeatures@id.foo.com", "VitalMessageOption"),
      "Confirmation-requested",
    );
  });

  it("header parameters (Subject:;lang=fr) are split from the value", () => {
    const fr = msg.headers[4];
    assert.equal(fr?.params, ";lang=fr");
    assert.equal(fr?.value, "beau temps prevu pour aujourd'hui");
  });

  it("content headers and the content, byte for byte", () => {
    assert.equal(cpimContentHeader(msg, "content-type"), "text/xml; charset=utf-8");
    assert.equal(cpimContentHeader(msg, "Content-ID"), "<1234567890@foo.com>");
    assert.equal(text(msg.content), "<body>Here is the text of my message.</body>");
  });
});

describe("parseCpim: real and printed variants", () => {
  it("RFC 5438's printed IM: content headers right after the message headers, no empty line between", () => {
    const msg = parseCpim(fixture("rfc5438-im-requesting-delivery-notifications.cpim"));
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Message-ID"), "34jk324j");
    assert.equal(
      cpimHeader(msg, CPIM_IMDN_NS, "Disposition-Notification"),
      "positive-delivery, negative-delivery",
    );
    assert.deepEqual(
      msg.contentHeaders.map((h) => h.name),
      ["Content-type", "Content-length"],
    );
    assert.equal(text(msg.content), "Hello World\r\n");
  });

  it("Metaswitch sprout's RCS CPIM: lower-case Content-type, DateTime with milliseconds", () => {
    const msg = parseCpim(fixture("metaswitch-sprout-scscf-test-rcs-cpim.cpim"));
    assert.equal(cpimHeader(msg, CPIM_DEFAULT_NS, "DateTime"), "2014-02-04T12:45:24.000Z");
    assert.equal(cpimContentHeader(msg, "Content-Type"), "text/plain; charset=utf-8");
    assert.equal(text(msg.content), "subject");
  });

  it("any NS prefix works; an unprefixed Message-ID stays in the CPIM namespace (liblinphone 4)", () => {
    const other = parseCpim(
      Buffer.from(
        "NS: x <urn:ietf:params:imdn>\r\nx.Message-ID: abc\r\n\r\nContent-Type: text/plain\r\n\r\nhi",
      ),
    );
    assert.equal(cpimHeader(other, CPIM_IMDN_NS, "message-id"), "abc");
    const old = parseCpim(fixture("liblinphone-cpim-unprefixed-message-id.cpim"));
    assert.equal(cpimHeader(old, CPIM_IMDN_NS, "Message-ID"), undefined);
    assert.equal(cpimHeader(old, CPIM_DEFAULT_NS, "Message-ID"), "nXtbUzCvsB3N");
  });

  it("decision: the prefix imdn without an NS header still means RFC 5438's namespace", () => {
    const msg = parseCpim(Buffer.from("imdn.Message-ID: q1\r\n\r\nContent-Type: text/plain\r\n\r\nhi"));
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Message-ID"), "q1");
  });

  it("bare LF line ends, a folded header line and a leading message/cpim MIME block", () => {
    const msg = parseCpim(
      Buffer.from(
        "Content-Type: Message/CPIM\n\nFrom: <sip:a@example.com>\nSubject: a long\n  subject\n\nContent-Type: text/plain\n\nline 1\nline 2\n",
      ),
    );
    assert.equal(cpimHeader(msg, CPIM_DEFAULT_NS, "Subject"), "a long subject");
    assert.equal(cpimContentHeader(msg, "Content-Type"), "text/plain");
    assert.equal(text(msg.content), "line 1\nline 2\n");
  });

  it("a multi-line content with empty lines is kept whole", () => {
    const msg = parseCpim(
      Buffer.from("From: <sip:a@b>\r\n\r\nContent-Type: text/plain\r\n\r\npara 1\r\n\r\npara 2\r\n\r\n"),
    );
    assert.equal(text(msg.content), "para 1\r\n\r\npara 2\r\n\r\n");
  });

  it("malformed: no empty line after the headers, or a line that is not a header", () => {
    for (const body of [
      "From: <sip:a@b>\r\nTo: <sip:c@d>",
      "From <sip:a@b>\r\n\r\nContent-Type: text/plain\r\n\r\nx",
    ]) {
      assert.throws(
        () => parseCpim(Buffer.from(body)),
        (e: unknown) => e instanceof SipBodyError && e.status === 400 && e.reason === "malformed-cpim",
      );
    }
  });
});

describe("formatCpim", () => {
  const out = formatCpim({
    namespaces: [{ prefix: "imdn", uri: CPIM_IMDN_NS }],
    headers: [
      { name: "From", value: "<sip:alice@example.com>" },
      { name: "To", value: "<sip:bob@example.com>" },
      { name: "DateTime", value: "2024-05-01T10:00:00Z" },
      { prefix: "imdn", name: "Message-ID", value: "m1" },
      { prefix: "imdn", name: "Disposition-Notification", value: "positive-delivery, display" },
    ],
    contentHeaders: [{ name: "Content-Type", value: "text/plain;charset=UTF-8" }],
    content: "Héllo\r\nworld",
  });

  it("writes the blocks with CRLF, NS before the headers that use it", () => {
    assert.equal(
      out,
      "From: <sip:alice@example.com>\r\nTo: <sip:bob@example.com>\r\nDateTime: 2024-05-01T10:00:00Z\r\n" +
        "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: m1\r\n" +
        "imdn.Disposition-Notification: positive-delivery, display\r\n\r\n" +
        "Content-Type: text/plain;charset=UTF-8\r\n\r\nHéllo\r\nworld",
    );
  });

  it("parses back to the same headers and content", () => {
    const msg = parseCpim(Buffer.from(out, "utf8"));
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Message-ID"), "m1");
    assert.equal(text(msg.content), "Héllo\r\nworld");
  });

  it("refuses a value or name that would break the header syntax (header injection)", () => {
    const base = { namespaces: [], contentHeaders: [], content: "" };
    assert.throws(
      () => formatCpim({ ...base, headers: [{ name: "From", value: "<sip:a@b>\r\nimdn.Message-ID: x" }] }),
      RangeError,
    );
    assert.throws(() => formatCpim({ ...base, headers: [{ name: "Bad Name", value: "x" }] }), RangeError);
  });
});
