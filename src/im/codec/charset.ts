/**
 * Decodes a text body (text/plain, text/html, the content of a CPIM message) from the charset its
 * Content-Type names into a JavaScript string. Uses the WHATWG Encoding Standard decoders built into
 * Node (`TextDecoder`, full ICU), so labels are matched the way browsers match them: case-insensitively,
 * with aliases (`latin1`, `ISO_8859-1`, `csShiftJIS`, ...). The WHATWG standard maps the label
 * `iso-8859-1` to windows-1252, which only differs in 0x80-0x9F, where real "ISO-8859-1" text nearly
 * always means windows-1252 anyway.
 *
 * Decisions (docs/im.md, "Charsets"):
 * - No charset, or `us-ascii`: RFC 2046 section 4.1.2 says "The default character set, which must be
 *   assumed in the absence of a charset parameter, is US-ASCII." and RFC 3428 does not change that
 *   default for MESSAGE. US-ASCII is a subset of UTF-8, so the body is decoded as UTF-8: a real US-ASCII
 *   body comes out the same, and the very common UTF-8 body sent without a charset is not garbled. A body
 *   that is not valid UTF-8 either is decoded as windows-1252 (what the WHATWG standard does for the
 *   `us-ascii` label), never rejected.
 * - `utf-16` without an order: RFC 2781 section 4.3, "If the first two octets of the text is not 0xFE
 *   followed by 0xFF, and is not 0xFF followed by 0xFE, then the text SHOULD be interpreted as being
 *   big-endian." A byte order mark is honoured and removed. (The WHATWG decoder would assume
 *   little-endian.)
 * - A declared charset with bytes that are invalid in it: each bad sequence becomes U+FFFD (the message
 *   still gets through; the reader sees where it was damaged).
 * - A charset Node cannot decode (UTF-7, UTF-32, an unknown name): `SipBodyError` 415
 *   `unsupported-charset`; `sipToChatMessage` adds the Accept list.
 *
 * The result may still contain characters XML forbids (a C0 control is valid in every charset);
 * `xml-safe-text.ts` deals with those.
 */
import { TextDecoder } from "node:util";
import { SipBodyError } from "./sip-body-error.js";

const ASCII_LABELS = new Set(["us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "cp367", "csascii"]);

/** Decodes `body` from `charset` (a Content-Type parameter value, any case; `undefined` when absent). */
export function decodeText(body: Uint8Array, charset: string | undefined): string {
  const label = charset?.trim().toLowerCase();
  if (label === undefined || label === "" || ASCII_LABELS.has(label)) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(body);
    } catch {
      return decodeWindows1252(body);
    }
  }
  if (label === "utf-16" || label === "csunicode" || label === "iso-10646-ucs-2" || label === "ucs-2") {
    const littleEndian = body[0] === 0xff && body[1] === 0xfe;
    return new TextDecoder(littleEndian ? "utf-16le" : "utf-16be").decode(body);
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    throw SipBodyError.unsupported("unsupported-charset", `unsupported charset ${JSON.stringify(charset)}`);
  }
  return decoder.encoding === "windows-1252" ? decodeWindows1252(body) : decoder.decode(body);
}

// WHATWG Encoding Standard, index-windows-1252.txt, pointers 0-31 (bytes 0x80-0x9F). Node 20's
// TextDecoder decodes "windows-1252" as ISO-8859-1 (checked: byte 0x80 gives U+0080, not U+20AC), so the
// table is applied here.
const CP1252_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

function decodeWindows1252(body: Uint8Array): string {
  let out = "";
  for (const b of body)
    out += String.fromCharCode(b >= 0x80 && b <= 0x9f ? (CP1252_80_9F[b - 0x80] as number) : b);
  return out;
}

/** True when {@link decodeText} can decode `charset` (`undefined`: no charset parameter). */
export function isSupportedCharset(charset: string | undefined): boolean {
  try {
    decodeText(new Uint8Array(0), charset);
    return true;
  } catch {
    return false;
  }
}
