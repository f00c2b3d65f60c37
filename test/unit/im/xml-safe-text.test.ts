import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isXmlSafeText, xmlSafeText } from "../../../src/im/codec/xml-safe-text.js";

describe("xmlSafeText (XML 1.0 section 2.2, Char)", () => {
  it("replaces C0 controls other than tab, LF and CR", () => {
    assert.equal(
      xmlSafeText("a\u0000b\u0001c\u0008d\u000Be\u000Cf\u001Fg"),
      "a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg",
    );
    assert.equal(xmlSafeText("\t\n\r"), "\t\n\r");
  });

  it("replaces lone surrogates, high or low, and a reversed pair", () => {
    assert.equal(xmlSafeText("x\uD800y"), "x\uFFFDy");
    assert.equal(xmlSafeText("x\uDC00y"), "x\uFFFDy");
    assert.equal(xmlSafeText("\uDE00\uD83D"), "\uFFFD\uFFFD");
    assert.equal(xmlSafeText("end\uD83D"), "end\uFFFD");
  });

  it("replaces U+FFFE and U+FFFF", () => {
    assert.equal(xmlSafeText("\uFFFE\uFFFF"), "\uFFFD\uFFFD");
  });

  it("keeps emoji (surrogate pairs), supplementary planes, U+FFFD and allowed controls like U+007F, U+0085", () => {
    const ok = "😀 👩‍👩‍👧 \u{10FFFD} \uFFFD \u007F\u0085 é 日本";
    assert.equal(xmlSafeText(ok), ok);
    assert.equal(isXmlSafeText(ok), true);
  });

  it("isXmlSafeText tells, repeatedly (no regex lastIndex state leaks)", () => {
    assert.equal(isXmlSafeText("a\u0001"), false);
    assert.equal(isXmlSafeText("a\u0001"), false);
    assert.equal(isXmlSafeText("plain"), true);
  });

  it("does not escape markup: that is the XML writer's job", () => {
    assert.equal(xmlSafeText("</body><body>&amp;"), "</body><body>&amp;");
  });
});
