/**
 * The bytes of an application/pidf+xml body to the text `parsePidf` reads, following XML 1.0 (Fifth
 * Edition) section 4.3.3 and Appendix F (autodetection), with RFC 3023's rule that a `charset`
 * parameter of the Content-Type, when the caller has one, takes precedence over the document:
 *
 *   "In the absence of information provided by an external transport protocol (e.g. HTTP or MIME), it
 *   is a fatal error for an entity including an encoding declaration to be presented to the XML
 *   processor in an encoding other than that named in the declaration, or for an entity which begins
 *   with neither a Byte Order Mark nor an encoding declaration to use an encoding other than UTF-8."
 *
 * So: a byte order mark decides (UTF-8, UTF-16BE, UTF-16LE); else the charset parameter; else the
 * encoding declaration (Asterisk chan_sip declares ISO-8859-1); else UTF-8. Bytes that are not valid
 * in the chosen encoding are a `PidfError` 400 `bad-encoding` (for UTF-8: a fatal error, no U+FFFD
 * guessing; other labels go through `decodeText`, whose decoders replace bad bytes). A document
 * declaring UTF-16 but readable as ASCII has no byte order mark and contradicts itself: refused too.
 */
import { TextDecoder } from "node:util";
import { decodeText } from "../im/codec/charset.js";
import { MAX_XML_CHARS } from "../im/codec/xml-reader.js";
import { PidfError } from "./pidf-error.js";

/** No PIDF body the reader would accept (at most MAX_XML_CHARS characters) takes more bytes. */
export const MAX_PIDF_BYTES = MAX_XML_CHARS * 4;

const DECLARATION = /^<\?xml\s[^?>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/;

export function pidfBodyText(body: Uint8Array, charset?: string): string {
  if (body.length > MAX_PIDF_BYTES) {
    throw new PidfError("too-large", `PIDF body of ${body.length} bytes (the limit is ${MAX_PIDF_BYTES})`);
  }
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return strict("utf-8", body);
  if (body[0] === 0xfe && body[1] === 0xff) return strict("utf-16be", body);
  if (body[0] === 0xff && body[1] === 0xfe) return strict("utf-16le", body);

  const declared = DECLARATION.exec(latin1(body.subarray(0, 256)))?.[1];
  const label = (charset?.trim() || declared || "utf-8").toLowerCase();
  if (label === "utf-8" || label === "utf8") return strict("utf-8", body);
  if (charset === undefined && /^(utf-16|ucs-2|iso-10646-ucs-2|csunicode)/.test(label)) {
    throw new PidfError(
      "bad-encoding",
      `the XML declaration says ${declared} but there is no byte order mark`,
    );
  }
  try {
    return decodeText(body, label);
  } catch (e) {
    throw PidfError.from(e, "bad-encoding");
  }
}

function strict(encoding: string, body: Uint8Array): string {
  try {
    // The decoder removes a leading byte order mark (its default, `ignoreBOM: false`).
    return new TextDecoder(encoding, { fatal: true }).decode(body);
  } catch {
    throw new PidfError("bad-encoding", `PIDF body is not valid ${encoding.toUpperCase()}`);
  }
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
