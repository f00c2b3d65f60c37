import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSipBodyError } from "../../../src/im/codec/sip-body-error.js";
import { PidfError, isPidfError, type PidfErrorReason } from "../../../src/presence/pidf-error.js";
import { parsePidf } from "../../../src/presence/pidf.js";
import { MAX_PIDF_BYTES } from "../../../src/presence/pidf-text.js";

const PIDF = "urn:ietf:params:xml:ns:pidf";
const DM = "urn:ietf:params:xml:ns:pidf:data-model";
const RPID = "urn:ietf:params:xml:ns:pidf:rpid";

function refused(body: string | Uint8Array, reason: PidfErrorReason, why?: RegExp): void {
  assert.throws(
    () => parsePidf(body),
    (e: unknown) =>
      e instanceof PidfError &&
      isPidfError(e) &&
      isSipBodyError(e) &&
      e.status === 400 &&
      e.reason === reason &&
      (!why || why.test(e.message)),
  );
}

const doc = (inner: string, attrs = `xmlns="${PIDF}" entity="sip:a@example.com"`) =>
  `<presence ${attrs}>${inner}</presence>`;
const tuple = (basic: string, id = "t1") =>
  `<tuple id="${id}"><status><basic>${basic}</basic></status></tuple>`;

describe("parsePidf: namespaces decide, prefixes do not", () => {
  it("any prefix for PIDF, a default namespace for the person and activities", () => {
    const d = parsePidf(
      `<p:presence xmlns:p="${PIDF}" entity="sip:a@example.com"><p:tuple id="x"><p:status><p:basic>open</p:basic></p:status><p:note>hi</p:note></p:tuple>` +
        `<person xmlns="${DM}" id="q"><activities xmlns="${RPID}"><meeting/><note>till 3</note></activities><note>at work</note></person></p:presence>`,
    );
    assert.equal(d.tuples[0]?.basic, "open");
    assert.deepEqual(d.tuples[0]?.notes, [{ text: "hi" }]);
    assert.deepEqual(d.persons, [
      { id: "q", activities: ["meeting"], activityNotes: [{ text: "till 3" }], notes: [{ text: "at work" }] },
    ]);
  });

  it("the usual prefixes bound to other namespaces mean other elements", () => {
    const d = parsePidf(
      doc(
        `${tuple("open")}<dm:person xmlns:dm="urn:example:not-dm" id="p"><rpid:activities xmlns:rpid="${RPID}"><rpid:away/></rpid:activities></dm:person>` +
          `<dm:person xmlns:dm="${DM}" id="q"><rpid:activities xmlns:rpid="urn:example:not-rpid"><rpid:busy/></rpid:activities></dm:person>` +
          `<x:tuple xmlns:x="urn:example:other" id="t2"><x:status><x:basic>closed</x:basic></x:status></x:tuple>`,
      ),
    );
    assert.deepEqual(d.persons, [{ id: "q", activities: [], activityNotes: [], notes: [] }]);
    assert.equal(d.tuples.length, 1);
  });

  it("an undeclared prefix is not well-formed", () => {
    refused(doc(`<tuple id="t"><status><rpid:x/></status></tuple>`), "malformed-xml", /prefix rpid/);
  });
});

describe("parsePidf: lenient where nothing can go wrong", () => {
  it("<basic/> case and white space; any other value is no basic", () => {
    assert.equal(parsePidf(doc(tuple(" Open\n"))).tuples[0]?.basic, "open");
    assert.equal(parsePidf(doc(tuple("CLOSED"))).tuples[0]?.basic, "closed");
    assert.equal(parsePidf(doc(tuple("unkown"))).tuples[0]?.basic, undefined);
  });

  it("a status with only extensions has no basic, and is accepted (RFC 3863 4.1.3)", () => {
    const d = parsePidf(doc(`<tuple id="t"><status><x:y xmlns:x="urn:x">z</x:y></status></tuple>`));
    assert.equal(d.tuples[0]?.basic, undefined);
  });

  it("an unreadable or out-of-range contact priority is left out", () => {
    for (const bad of ["high", "1.5", "-0.1", ""]) {
      const d = parsePidf(
        doc(
          `<tuple id="t"><status><basic>open</basic></status><contact priority="${bad}">sip:x@y</contact></tuple>`,
        ),
      );
      assert.equal(d.tuples[0]?.contactPriority, undefined, bad);
      assert.equal(d.tuples[0]?.contact, "sip:x@y");
    }
  });

  it("empty notes are skipped; entities and character references are decoded", () => {
    const d = parsePidf(
      doc(`<tuple id="t"><status><basic>open</basic></status><note/><note>a &amp; b &#x263A;</note></tuple>`),
    );
    assert.deepEqual(d.tuples[0]?.notes, [{ text: "a & b \u263A" }]);
  });

  it("duplicate tuple ids are kept as they are", () => {
    assert.equal(parsePidf(doc(tuple("open") + tuple("closed"))).tuples.length, 2);
  });
});

describe("parsePidf: malformed input is a PidfError 400", () => {
  it("not XML", () => {
    refused("", "malformed-xml");
    refused("open", "malformed-xml");
    refused('{"presence":"open"}', "malformed-xml");
    refused(`<presence xmlns="${PIDF}" entity="sip:a@b">`, "malformed-xml", /not closed/);
    refused(`${doc(tuple("open"))}<presence/>`, "malformed-xml");
  });

  it("a root other than RFC 3863's <presence/>", () => {
    refused(`<presence xmlns="jabber:client"><show>away</show></presence>`, "not-pidf", /jabber:client/);
    refused(`<presence entity="sip:a@b"><tuple id="t"/></presence>`, "not-pidf", /no namespace/);
    refused(`<watcherinfo xmlns="urn:ietf:params:xml:ns:watcherinfo" version="0" state="full"/>`, "not-pidf");
  });

  it("a DOCTYPE is refused, so no entity can expand (XPIDF, billion laughs)", () => {
    refused(
      `<?xml version="1.0"?><!DOCTYPE presence PUBLIC "-//IETF//DTD RFCxxxx XPIDF 1.0//EN" "xpidf.dtd"><presence/>`,
      "malformed-xml",
      /document type/,
    );
    const laughs =
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` +
      doc(`<note>&lol2;</note>`);
    refused(laughs, "malformed-xml", /document type/);
    refused(doc(`<note>&lol;</note>`), "malformed-xml", /entity reference/);
  });

  it("no entity", () => {
    refused(`<presence xmlns="${PIDF}">${tuple("open")}</presence>`, "presence-without-entity");
    refused(`<presence xmlns="${PIDF}" entity="  ">${tuple("open")}</presence>`, "presence-without-entity");
  });

  it("a tuple without id or without status", () => {
    refused(doc(`<tuple><status><basic>open</basic></status></tuple>`), "tuple-without-id");
    refused(doc(`<tuple id=""><status><basic>open</basic></status></tuple>`), "tuple-without-id");
    refused(doc(`<tuple id="t"><contact>sip:x@y</contact></tuple>`), "tuple-without-status");
    refused(
      doc(`<tuple id="t"><x:status xmlns:x="urn:x"><x:basic>open</x:basic></x:status></tuple>`),
      "tuple-without-status",
    );
  });

  it("missing basic: a status with no child at all", () => {
    refused(doc(`<tuple id="t"><status/></tuple>`), "empty-status");
    refused(doc(`<tuple id="t"><status>open</status></tuple>`), "empty-status");
  });

  it("huge documents, in characters, in bytes, and in depth", () => {
    const big = doc(tuple("open") + `<note>${"x".repeat(70_000)}</note>`);
    refused(big, "too-large");
    refused(new Uint8Array(MAX_PIDF_BYTES + 1).fill(0x20), "too-large");
    const deep = doc(
      `<tuple id="t"><status><basic>open</basic>${"<x:a xmlns:x='urn:x'>".repeat(40)}</status></tuple>`,
    );
    refused(deep, "malformed-xml", /deeper/);
  });
});

describe("parsePidf: bytes and encodings (XML 1.0 section 4.3.3)", () => {
  const body = doc(tuple("open") + "<note>Café 😀</note>");

  it("UTF-8 with and without a byte order mark; UTF-16 with one", () => {
    const utf8 = Buffer.from(body, "utf8");
    assert.equal(parsePidf(utf8).notes[0]?.text, "Café 😀");
    assert.equal(parsePidf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])).notes[0]?.text, "Café 😀");
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, "utf16le")]);
    assert.equal(parsePidf(le).notes[0]?.text, "Café 😀");
    const be = Buffer.from(le.subarray(2)).swap16();
    assert.equal(parsePidf(Buffer.concat([Buffer.from([0xfe, 0xff]), be])).notes[0]?.text, "Café 😀");
  });

  it("the declared encoding, and a Content-Type charset over it", () => {
    const latin = Buffer.from(
      `<?xml version="1.0" encoding="ISO-8859-1"?>${doc(tuple("open") + "<note>Caf\u00e9</note>")}`,
      "latin1",
    );
    assert.equal(parsePidf(latin).notes[0]?.text, "Café");
    const mislabelled = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>${doc(tuple("open") + "<note>Caf\u00e9</note>")}`,
      "latin1",
    );
    refused(mislabelled, "bad-encoding", /UTF-8/);
    assert.equal(parsePidf(mislabelled, { charset: "iso-8859-1" }).notes[0]?.text, "Café");
  });

  it("invalid UTF-8, a UTF-16 declaration without byte order mark, an unknown encoding", () => {
    refused(
      Buffer.concat([Buffer.from(doc(tuple("open")).slice(0, 40)), Buffer.from([0xc3, 0x28])]),
      "bad-encoding",
    );
    refused(
      Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>${doc(tuple("open"))}`),
      "bad-encoding",
      /byte order mark/,
    );
    refused(Buffer.from(`<?xml version="1.0" encoding="x-klingon"?>${doc(tuple("open"))}`), "bad-encoding");
  });
});
