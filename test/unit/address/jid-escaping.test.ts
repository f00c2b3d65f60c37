import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressError } from "../../../src/address/address-error.js";
import {
  escapeLocalpart,
  isCanonicallyEscaped,
  unescapeLocalpart,
} from "../../../src/address/jid-escaping.js";

describe("XEP-0106 escaping", () => {
  // XEP-0106 section 5.1 (examples 1-8 and 12), 5.3 (SIP), 5.5 (IMPS), 5.7 (IRC).
  const rows: [string, string][] = [
    ["space cadet", "space\\20cadet"],
    ['call me "ishmael"', "call\\20me\\20\\22ishmael\\22"],
    ["at&t guy", "at\\26t\\20guy"],
    ["d'artagnan", "d\\27artagnan"],
    ["/.fanboy", "\\2f.fanboy"],
    ["::foo::", "\\3a\\3afoo\\3a\\3a"],
    ["<foo>", "\\3cfoo\\3e"],
    ["user@host", "user\\40host"],
    ["c:\\5commas", "c\\3a\\5c5commas"],
    ["here's_a_wild_&_/cr%zy/_address", "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address"],
    [
      'here\'s_a_wild_&_/cr%zy/_address_for:<wv>("IMPS")',
      "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address_for\\3a\\3cwv\\3e(\\22IMPS\\22)",
    ],
    ["\\3and\\2is\\5cool", "\\5c3and\\2is\\5c5cool"],
    ["somenick!user\"&'/:<>\\3address", "somenick!user\\22\\26\\27\\2f\\3a\\3c\\3e\\5c3address"],
    ["\\5c", "\\5c5c"],
    ["\\27", "\\5c27"],
    ["jürgen", "jürgen"],
  ];
  for (const [raw, escaped] of rows) {
    it(`${raw} <-> ${escaped}`, () => {
      assert.equal(escapeLocalpart(raw), escaped);
      assert.equal(unescapeLocalpart(escaped), raw);
      assert.ok(isCanonicallyEscaped(escaped));
    });
  }

  it("leaves partial and unknown sequences alone both ways (XEP-0106 section 4.3)", () => {
    for (const s of ["\\2plus\\2is\\4", "foo\\bar", "foob\\41r", "a\\2Fb", "trailing\\", "\\5"]) {
      assert.equal(escapeLocalpart(s), s);
      assert.equal(unescapeLocalpart(s), s);
    }
  });

  it("follows the normative backslash rule, not examples 9-11 of the XEP table", () => {
    // XEP-0106 example 9 shows c:\net -> c\3a\5cnet, contradicting sections 4.2 (step 3) and 4.3.
    assert.equal(escapeLocalpart("c:\\net"), "c\\3a\\net");
    assert.equal(escapeLocalpart("c:\\\\net"), "c\\3a\\\\net");
    assert.equal(unescapeLocalpart("c\\3a\\5cnet"), "c:\\net", "the XEP's form still unescapes correctly");
    assert.equal(isCanonicallyEscaped("c\\3a\\5cnet"), false, "but it is not the canonical form");
  });

  it("refuses a leading or trailing space (\\20 MUST NOT be first or last, section 4.1 rule 6)", () => {
    for (const s of [" bob", "bob ", " "]) {
      assert.throws(
        () => escapeLocalpart(s),
        (e: unknown) => e instanceof AddressError && e.reason === "escaping",
      );
    }
    assert.equal(isCanonicallyEscaped("\\20bob"), false);
    assert.equal(isCanonicallyEscaped("bob\\20"), false);
  });

  it("is case-sensitive: only lower-case hex escapes", () => {
    assert.equal(unescapeLocalpart("a\\2Fb\\2fc"), "a\\2Fb/c");
    assert.equal(unescapeLocalpart("\\5C27"), "\\5C27");
  });
});
