/**
 * A conservative text/html (or XHTML-IM) to plain text conversion, for the XMPP <body/> of a message
 * that arrived as HTML. Not an HTML parser: it only needs to get the words out, in order, with line
 * breaks where a reader expects them, and never to let markup through.
 *
 * - Dropped with their content: comments, `<script>`, `<style>`, `<head>` (and so `<title>`),
 *   `<template>`, CDATA sections' markers (their text is kept), doctype and processing instructions.
 * - Dropped, content kept: every other tag, with its attributes (quoted `>` inside an attribute does
 *   not end the tag).
 * - Line breaks: each `<br>` gives one; the start and end of a block element (p, div, li, tr, h1-h6,
 *   blockquote, pre, table, ul, ol, dl, dt, dd, hr, section, article, header, footer, nav, address,
 *   figure, form, fieldset) end the current line if it is not empty; list items get "- " in front.
 * - White space: runs of white space in the text collapse to one space (HTML rendering), except inside
 *   `<pre>`; spaces at line ends are removed; no more than one empty line in a row.
 * - Entities: the XML five, the common HTML named ones (nbsp, copy, euro, quotes and dashes, ...),
 *   decimal and hex character references. An unknown name stays as written; a reference to a code
 *   point XML forbids becomes U+FFFD (so does any such character in the input).
 */
import { xmlSafeText } from "./xml-safe-text.js";

const BLOCK = new Set([
  "p",
  "div",
  "li",
  "tr",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "blockquote",
  "pre",
  "table",
  "ul",
  "ol",
  "dl",
  "dt",
  "dd",
  "hr",
  "section",
  "article",
  "header",
  "footer",
  "nav",
  "address",
  "figure",
  "form",
  "fieldset",
  "body",
  "html",
]);
const DROP_WITH_CONTENT = new Set(["script", "style", "head", "template", "title"]);

const NAMED: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  copy: "\u00a9",
  reg: "\u00ae",
  trade: "\u2122",
  euro: "\u20ac",
  pound: "\u00a3",
  yen: "\u00a5",
  cent: "\u00a2",
  sect: "\u00a7",
  para: "\u00b6",
  deg: "\u00b0",
  plusmn: "\u00b1",
  times: "\u00d7",
  divide: "\u00f7",
  middot: "\u00b7",
  bull: "\u2022",
  hellip: "\u2026",
  ndash: "\u2013",
  mdash: "\u2014",
  lsquo: "\u2018",
  rsquo: "\u2019",
  ldquo: "\u201c",
  rdquo: "\u201d",
  laquo: "\u00ab",
  raquo: "\u00bb",
  iexcl: "\u00a1",
  iquest: "\u00bf",
  shy: "\u00ad",
  zwj: "\u200d",
  zwnj: "\u200c",
  thinsp: "\u2009",
  ensp: "\u2002",
  emsp: "\u2003",
};

/** Plain text for an HTML fragment or document. */
export function htmlToText(html: string): string {
  let out = "";
  let pre = 0;
  let sawPre = false;
  let i = 0;
  const s = html;
  /** A line break, unless the text already ends one (blocks next to each other give one break). */
  const lineBreak = () => {
    if (out !== "" && !out.endsWith("\n")) out += "\n";
  };
  while (i < s.length) {
    const lt = s.indexOf("<", i);
    const end = lt === -1 ? s.length : lt;
    if (end > i) {
      const text = decodeEntities(s.slice(i, end));
      out += pre > 0 ? text : text.replace(/[ \t\r\n\f]+/g, " ");
      i = end;
      continue;
    }
    if (s.startsWith("<!--", i)) {
      const close = s.indexOf("-->", i + 4);
      i = close === -1 ? s.length : close + 3;
      continue;
    }
    if (s.startsWith("<![CDATA[", i)) {
      const close = s.indexOf("]]>", i + 9);
      out += s.slice(i + 9, close === -1 ? s.length : close);
      i = close === -1 ? s.length : close + 3;
      continue;
    }
    const tag = /^<\s*(\/?)\s*([A-Za-z][A-Za-z0-9:-]*)/.exec(s.slice(i, i + 64));
    if (!tag) {
      if (s[i + 1] === "!" || s[i + 1] === "?") {
        i = tagEnd(s, i);
      } else {
        out += "<"; // a "<" that starts no tag is text, as a browser shows it
        i++;
      }
      continue;
    }
    const closing = tag[1] === "/";
    const name = (tag[2] as string).toLowerCase().replace(/^.*:/, "");
    i = tagEnd(s, i);
    if (!closing && DROP_WITH_CONTENT.has(name)) {
      const close = new RegExp(`<\\s*/\\s*(?:[A-Za-z0-9-]+:)?${name}\\s*>`, "i").exec(s.slice(i));
      i = close ? i + close.index + close[0].length : s.length;
      continue;
    }
    if (name === "br") out += "\n";
    else if (BLOCK.has(name)) {
      lineBreak();
      if (name === "pre") {
        pre = Math.max(0, pre + (closing ? -1 : 1));
        sawPre = true;
      }
      if (name === "li" && !closing) out += "- ";
    }
  }
  const lines = out
    .split("\n")
    .map((l) => (sawPre ? l : l.replace(/^ +/, "")).replace(/[ \t]+$/, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n");
  return xmlSafeText(lines.replace(/^\n+|\s+$/g, ""));
}

/** The index just after the `>` that ends the tag starting at `start`, skipping quoted values. */
function tagEnd(s: string, start: number): number {
  let quote: string | undefined;
  for (let j = start + 1; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ">") return j + 1;
  }
  return s.length;
}

function decodeEntities(text: string): string {
  return text.replace(
    /&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/g,
    (whole, ref: string) => {
      if (ref.startsWith("#")) {
        const code =
          ref[1] === "x" || ref[1] === "X"
            ? Number.parseInt(ref.slice(2), 16)
            : Number.parseInt(ref.slice(1), 10);
        return code > 0x10ffff ? "\uFFFD" : xmlSafeText(String.fromCodePoint(code));
      }
      return NAMED[ref] ?? whole;
    },
  );
}
