import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { htmlToText } from "../../../src/im/codec/html-to-text.js";
import { fixtureText, stanzaFixture } from "./im-fixtures.js";

describe("htmlToText", () => {
  it("the text/html body linphone-android sent (issue 1184): head dropped, text kept", () => {
    assert.equal(htmlToText(fixtureText("linphone-android-issue-1184-text-html.html")), "example");
  });

  it("the XHTML-IM body of XEP-0071's first example", () => {
    const xhtml = stanzaFixture("xep0071-simple-example.xml").getChild("html")?.getChild("body");
    assert.ok(xhtml);
    assert.equal(htmlToText(xhtml.toString()), "hi!");
  });

  it("blocks and <br> become line breaks; inline tags vanish; white space collapses", () => {
    assert.equal(
      htmlToText("<p>Hello   <b>big</b>\n  world</p><div>two<br>lines<br/></div>"),
      "Hello big world\ntwo\nlines",
    );
    assert.equal(htmlToText("<p>one</p><br><br><p>two</p>"), "one\n\ntwo");
  });

  it("list items get a dash", () => {
    assert.equal(htmlToText("<ul><li>milk</li><li>eggs</li></ul>"), "- milk\n- eggs");
  });

  it("entities: XML five, common HTML names, decimal and hex references", () => {
    assert.equal(
      htmlToText("&lt;b&gt; &amp; &quot;q&quot; &apos;a&apos; &euro;5&nbsp;&mdash; &#233;&#xE9; &#x1F600;"),
      "<b> & \"q\" 'a' €5\u00a0— éé 😀",
    );
  });

  it("an unknown entity stays as written; a reference to a forbidden character becomes U+FFFD", () => {
    assert.equal(htmlToText("&bogus; &#0; &#x1; &#xFFFF; &#1114112;"), "&bogus; \uFFFD \uFFFD \uFFFD \uFFFD");
  });

  it("script, style, head, title and comments go with their content", () => {
    assert.equal(
      htmlToText(
        "<head><title>T</title><style>p{}</style></head><script>alert('<p>x</p>')</script><!-- c -->ok",
      ),
      "ok",
    );
  });

  it("a '>' inside a quoted attribute does not end the tag", () => {
    assert.equal(htmlToText(`<a href="x>y" title='a>b'>link</a>`), "link");
  });

  it("a '<' that starts no tag is text", () => {
    assert.equal(htmlToText("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
  });

  it("<pre> keeps its spaces and line breaks", () => {
    assert.equal(htmlToText("<pre>  a\n    b</pre>"), "  a\n    b");
  });

  it("CDATA text is kept, its markers are not; forbidden characters in the input become U+FFFD", () => {
    assert.equal(htmlToText("<![CDATA[<raw>]]>x\u0001"), "<raw>x\uFFFD");
  });
});
