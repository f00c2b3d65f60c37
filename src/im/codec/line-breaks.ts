/**
 * Line breaks between MIME text (SIP bodies) and XML text (XMPP stanzas).
 *
 * - MIME: RFC 2046 section 4.1.1, "The canonical form of any MIME "text" subtype MUST always
 *   represent a line break as a CRLF sequence." A text/plain body (or CPIM content) the gateway sends
 *   to SIP therefore uses CRLF.
 * - XML: XML 1.0 section 2.11 has every parser translate CRLF and lone CR to LF before the
 *   application sees the text, so an XMPP client can only ever see LF. The gateway does the same on the
 *   way in, so the model holds exactly what the XMPP side will show (and what a test can compare).
 */

/** CRLF and lone CR to LF (XML 1.0 section 2.11, "End-of-Line Handling"). */
export function toXmlLineBreaks(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/** Every line break (LF, CR or CRLF) to CRLF (RFC 2046 section 4.1.1). */
export function toMimeLineBreaks(text: string): string {
  return text.replace(/\r\n|\r|\n/g, "\r\n");
}
