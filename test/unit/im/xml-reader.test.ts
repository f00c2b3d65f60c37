import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SipBodyError } from "../../../src/im/codec/sip-body-error.js";
import {
  MAX_DEPTH,
  childElement,
  childElements,
  readXml,
  textContent,
} from "../../../src/im/codec/xml-reader.js";
import { fixtureText } from "./im-fixtures.js";

function malformed(text: string, why?: RegExp): void {
  assert.throws(
    () => readXml(text),
    (e: unknown) =>
      e instanceof SipBodyError &&
      e.status === 400 &&
      e.reason === "malformed-xml" &&
      (!why || why.test(e.message)),
  );
}

describe("readXml: namespaces", () => {
  it("default namespace applies to children; prefixes resolve by declaration, not by name", () => {
    // liblinphone binds the prefix "imdn" to its own namespace while the default is RFC 5438's.
    const root = readXml(fixtureText("liblinphone-imdn-failed-with-linphone-reason.xml"));
    assert.equal(root.ns, "urn:ietf:params:xml:ns:imdn");
    const status = childElement(
      childElement(root, "urn:ietf:params:xml:ns:imdn", "delivery-notification")!,
      "urn:ietf:params:xml:ns:imdn",
      "status",
    )!;
    assert.deepEqual(
      childElements(status).map((c) => [c.ns, c.local]),
      [
        ["urn:ietf:params:xml:ns:imdn", "failed"],
        ["http://www.linphone.org/xsds/imdn.xsd", "reason"],
      ],
    );
    assert.equal(childElements(status)[1]?.attrs.get("code"), "415");
  });

  it("prefixed attributes are keyed by namespace; xmlns declarations are not attributes", () => {
    const root = readXml(fixtureText("rfc3994-example-idle.xml"));
    assert.equal(root.attrs.has("xmlns"), false);
    assert.equal(
      root.attrs.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"),
      "urn:ietf:params:xml:ns:im-composing   iscomposing.xsd",
    );
  });

  it("xmlns='' puts an element back in no namespace; xml: is predeclared", () => {
    const root = readXml(`<a xmlns="urn:x"><b xmlns=""/><c xml:lang="en"/></a>`);
    assert.equal(childElements(root)[0]?.ns, null);
    assert.equal(childElements(root)[1]?.attrs.get("{http://www.w3.org/XML/1998/namespace}lang"), "en");
  });

  it("an undeclared prefix is an error", () => {
    malformed(`<p:a/>`, /prefix p/);
    malformed(`<a p:x="1"/>`, /prefix p/);
  });
});

describe("readXml: text", () => {
  it("predefined entities, character references, CDATA, comments and PIs", () => {
    const root = readXml(
      `<?xml version="1.0"?><!-- c --><a>&lt;&amp;&gt;&quot;&apos;&#233;&#x1F600;<![CDATA[<b>&amp;]]><?pi x?></a>`,
    );
    assert.equal(textContent(root), `<&>"'é😀<b>&amp;`);
  });

  it("attribute values: white space normalised, entities decoded", () => {
    assert.equal(readXml(`<a v="x&#10;y\tz&amp;"/>`).attrs.get("v"), "x\ny z&");
  });

  it("a byte order mark and white space around the root are fine", () => {
    assert.equal(readXml("\uFEFF\n <a/> \n").local, "a");
  });
});

describe("readXml: refuses what is not well-formed or not safe", () => {
  it("document type declarations (no entity expansion: billion laughs)", () => {
    malformed(
      `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>`,
      /document type/,
    );
  });
  it("entities other than the five predefined ones", () => malformed(`<a>&nbsp;</a>`, /entity/));
  it("characters XML 1.0 forbids, raw or by reference", () => {
    malformed("<a>\u0001</a>", /character/);
    malformed("<a>&#1;</a>", /character/);
    malformed("<a>&#xFFFE;</a>", /character/);
    malformed("<a>\uD800</a>", /character/);
  });
  it("mismatched, unclosed and extra end tags", () => {
    malformed("<a><b></a></b>", /does not match/);
    malformed("<a><b>", /not closed/);
    malformed("<a/></a>", /does not match/);
  });
  it("two roots, text outside the root, no root", () => {
    malformed("<a/><b/>", /more than one root/);
    malformed("<a/>x", /outside/);
    malformed("  ", /no root/);
  });
  it("duplicate attributes, unquoted values, '<' in a value, ']]>' in text", () => {
    malformed(`<a x="1" x="2"/>`, /twice/);
    malformed(`<a x=1/>`, /quoted/);
    malformed(`<a x="<"/>`, /"<"/);
    malformed(`<a>]]></a>`, /]]>/);
  });
  it(`nesting deeper than ${MAX_DEPTH}`, () => {
    malformed("<a>".repeat(MAX_DEPTH + 1) + "</a>".repeat(MAX_DEPTH + 1), /deeper/);
    assert.doesNotThrow(() => readXml("<a>".repeat(MAX_DEPTH) + "</a>".repeat(MAX_DEPTH)));
  });
});
