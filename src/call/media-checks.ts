/**
 * Predicates for the values that travel between Jingle and SDP. Both parsers (`jingle.ts` for XML,
 * `sdp.ts` and `jingle-sdp.ts` for SDP) use them, so a value that passes one side is well-formed on the
 * other: nothing reaches rtpengine that could be read as a second line, a second fmtp parameter or a
 * second candidate field. Each caller throws its own error class (JingleError, SdpError).
 *
 * Pure: `isIP` from node:net is a string check, not I/O.
 */
import { isIP } from "node:net";

/** A decimal integer without sign, exponent or leading junk, in [min, max]. */
export function parseUint(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** RFC 8866 section 5.14: `<port>` is a UDP/TCP port number, 0 included (a rejected stream). */
export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}

/** RFC 3550 section 5.1: the payload type is 7 bits, so 0-127. */
export function isPayloadId(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 127;
}

/** A literal IPv4 or IPv6 address (no host names: rtpengine is given addresses only). */
export function isIpAddress(s: string): boolean {
  return isIP(s) !== 0;
}

export function ipFamily(s: string): "IP4" | "IP6" {
  return isIP(s) === 6 ? "IP6" : "IP4";
}

/**
 * RFC 8866 section 9: `token = 1*(token-char)`, token-char = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" /
 * "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "{" / "|" / "}" / "~".
 */
export function isToken(s: string): boolean {
  return /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+$/.test(s);
}

/**
 * RFC 8866 section 9: `byte-string = 1*(%x01-09/%x0B-0C/%x0E-FF)` (no NUL, CR or LF). Other control
 * characters are refused too: nothing the gateway carries needs them.
 */
export function isByteString(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return s.length > 0 && !/[\x00-\x08\x0a-\x1f\x7f]/.test(s);
}

/** A value with no white space either: one SDP field. */
export function isField(s: string): boolean {
  return isByteString(s) && !/\s/.test(s);
}

/**
 * RFC 8839 section 5.4: `ufrag = 4*256ice-char`, `password = 22*256ice-char`, ice-char = ALPHA / DIGIT /
 * "+" / "/". The lower bounds are not enforced (older ICE stacks send shorter ones; ICE itself does not
 * break), the character set and the upper bound are.
 */
export function isIceString(s: string): boolean {
  return /^[A-Za-z0-9+/]{1,256}$/.test(s);
}

/** RFC 8839 section 5.1: `foundation = 1*32ice-char`. */
export function isFoundation(s: string): boolean {
  return /^[A-Za-z0-9+/]{1,32}$/.test(s);
}

/** RFC 8122 section 5: `fingerprint = 2UHEX *(":" 2UHEX)` (lower-case hex accepted on input). */
export function isFingerprintValue(s: string): boolean {
  return /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/.test(s);
}

/** RFC 4145 section 4: `role = "active" / "passive" / "actpass" / "holdconn"`. */
export function isSetupRole(s: string): boolean {
  return s === "active" || s === "passive" || s === "actpass" || s === "holdconn";
}

/** RFC 8839 section 5.1: `candidate-types = "host" / "srflx" / "prflx" / "relay" / token`. */
export function isCandidateType(s: string): s is "host" | "srflx" | "prflx" | "relay" {
  return s === "host" || s === "srflx" || s === "prflx" || s === "relay";
}

/**
 * An fmtp parameter name or value as XEP-0167 section 4 carries it (`<parameter name value/>`): a value
 * must not hold `;` (it would start another parameter) and a name must not hold `=` or white space.
 */
export function isFmtpName(s: string): boolean {
  return isField(s) && !/[;=]/.test(s);
}

export function isFmtpValue(s: string): boolean {
  return s === "" || (isByteString(s) && !s.includes(";") && s.trim() === s);
}
