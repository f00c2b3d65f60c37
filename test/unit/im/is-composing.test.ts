import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  MIN_REFRESH_SECONDS,
  formatIsComposing,
  parseIsComposing,
} from "../../../src/im/codec/is-composing.js";
import { SipBodyError } from "../../../src/im/codec/sip-body-error.js";
import { childElements, readXml } from "../../../src/im/codec/xml-reader.js";
import { fixtureText } from "./im-fixtures.js";

function malformed(text: string, reason: string): void {
  assert.throws(
    () => parseIsComposing(text),
    (e: unknown) => e instanceof SipBodyError && e.status === 400 && e.reason === reason,
  );
}

describe("parseIsComposing", () => {
  it("the RFC 3994 example: idle with lastactive and contenttype", () => {
    assert.deepEqual(parseIsComposing(fixtureText("rfc3994-example-idle.xml")), {
      state: "idle",
      lastActive: "2003-01-27T10:43:00Z",
      contentType: "audio",
      refresh: undefined,
    });
  });

  it("liblinphone's active with refresh 60 and idle", () => {
    assert.deepEqual(parseIsComposing(fixtureText("liblinphone-iscomposing-active.xml")), {
      state: "active",
      lastActive: undefined,
      contentType: undefined,
      refresh: 60,
    });
    assert.equal(parseIsComposing(fixtureText("liblinphone-iscomposing-idle.xml")).state, "idle");
  });

  it("iscomposing.js's active (contenttype text, refresh 120)", () => {
    const ic = parseIsComposing(fixtureText("iscomposing-js-active.xml"));
    assert.equal(ic.contentType, "text");
    assert.equal(ic.refresh, 120);
  });

  it("lenient: state case and white space, a root in no namespace, unknown elements", () => {
    const ic = parseIsComposing("<isComposing><state> Active </state><x:y xmlns:x='urn:x'/></isComposing>");
    assert.equal(ic.state, "active");
  });

  it("a refresh that is not a positive integer is ignored", () => {
    for (const bad of ["0", "-5", "soon", "1.5", ""]) {
      const ic = parseIsComposing(
        `<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>active</state><refresh>${bad}</refresh></isComposing>`,
      );
      assert.equal(ic.refresh, undefined, bad);
    }
  });

  it("an unknown state is returned as written", () => {
    assert.equal(parseIsComposing("<isComposing><state>Thinking</state></isComposing>").state, "Thinking");
  });

  it("not an isComposing document, or no state: 400", () => {
    malformed(fixtureText("liblinphone-imdn-delivered-linphone-iphone-issue-822.xml"), "not-iscomposing");
    malformed(`<isComposing xmlns="urn:other"><state>active</state></isComposing>`, "not-iscomposing");
    malformed(`<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"/>`, "iscomposing-without-state");
    malformed(`<isComposing><state>active</isComposing>`, "malformed-xml");
  });
});

describe("formatIsComposing", () => {
  it("active with refresh, in the schema's element order", () => {
    assert.equal(
      formatIsComposing({
        state: "active",
        lastActive: "2024-01-01T00:00:00Z",
        contentType: "text/plain",
        refresh: 90,
      }),
      '<?xml version="1.0" encoding="UTF-8"?>\n<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">' +
        "<state>active</state><lastactive>2024-01-01T00:00:00Z</lastactive><contenttype>text/plain</contenttype>" +
        "<refresh>90</refresh></isComposing>",
    );
  });

  it(`decision: a refresh under ${MIN_REFRESH_SECONDS} s is raised to it (RFC 3994 section 3.2)`, () => {
    assert.match(formatIsComposing({ state: "active", refresh: 5 }), /<refresh>60<\/refresh>/);
  });

  it("idle without refresh; markup in a value is escaped, never markup", () => {
    const out = formatIsComposing({ state: "idle", contentType: "</contenttype><state>active</state>" });
    const root = readXml(out);
    assert.deepEqual(
      childElements(root).map((c) => c.local),
      ["state", "contenttype"],
    );
    assert.equal(parseIsComposing(out).contentType, "</contenttype><state>active</state>");
  });

  it("round trip", () => {
    const ic = { state: "active", lastActive: undefined, contentType: "audio", refresh: 75 };
    assert.deepEqual(parseIsComposing(formatIsComposing(ic)), ic);
  });
});
