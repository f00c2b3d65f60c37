/**
 * Makes any JavaScript string safe to put in an XML 1.0 document (an XMPP stanza, an IMDN or
 * isComposing body) as character data or an attribute value.
 *
 * XML 1.0 (Fifth Edition) section 2.2 defines the characters a document may contain:
 *
 *     Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
 *     (any Unicode character, excluding the surrogate blocks, FFFE, and FFFF)
 *
 * and RFC 6120 section 11.3 requires XMPP streams to be well-formed, so a stanza with, say, a
 * U+0001 or a lone surrogate would get the whole component stream closed by the server. Such characters
 * can arrive from SIP (any charset, a UTF-16 body with an unpaired surrogate, a C0 control in a text
 * message) and are replaced here, each by U+FFFD REPLACEMENT CHARACTER, so the reader sees that
 * something was there. Escaping `<`, `&` and friends is *not* done here: the XML writer
 * (`@xmpp/xml`) escapes markup characters; this only removes what no escaping can express (XML 1.0
 * has no character reference for U+0000-U+0008 either: section 4.1, "Well-formedness constraint: Legal
 * Character").
 */

export const REPLACEMENT_CHARACTER = "\uFFFD";

// Everything outside the Char production, with surrogates matched only when they are not part of a
// valid pair: a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- matching the control characters XML forbids is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

/** `text` with every character XML 1.0 forbids replaced by U+FFFD; the same string when there is none. */
export function xmlSafeText(text: string): string {
  return text.replace(FORBIDDEN, REPLACEMENT_CHARACTER);
}

/** True when `text` contains only characters XML 1.0 allows (section 2.2, `Char`). */
export function isXmlSafeText(text: string): boolean {
  FORBIDDEN.lastIndex = 0;
  const found = FORBIDDEN.test(text);
  FORBIDDEN.lastIndex = 0;
  return !found;
}
