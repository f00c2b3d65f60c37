import { AddressError } from "./address-error.js";

/**
 * Percent-encoding of the components of a SIP URI, exactly as RFC 3261 section 25.1 allows them.
 *
 * Each component has its own set of characters that may appear literally; every other character MUST
 * appear as `escaped = "%" HEXDIG HEXDIG` (RFC 3261 section 25.1), one escape per UTF-8 octet:
 *
 * | component         | literal characters (besides `escaped`)                                  |
 * | ----------------- | ----------------------------------------------------------------------- |
 * | `user`            | unreserved + user-unreserved `& = + $ , ; ? /`                          |
 * | `param` name/value| unreserved + param-unreserved `[ ] / : & + $`                           |
 * | `header` name/val | unreserved + hnv-unreserved `[ ] / ? : + $`                             |
 *
 * where `unreserved = alphanum / mark` and `mark = - _ . ! ~ * ' ( )`.
 *
 * Worked examples (user part):
 *
 * - `percentEncode("b@b", "user")` is `b%40b` (`@` is reserved everywhere in a SIP URI);
 * - `percentEncode("a b", "user")` is `a%20b`;
 * - `percentEncode("jürgen", "user")` is `j%C3%BCrgen` (UTF-8 octets, upper-case hex as RFC 3986
 *   section 2.1 recommends);
 * - `percentEncode("+49;phone-context=x", "user")` is unchanged (all user-unreserved);
 * - `percentDecode("j%c3%bcrgen", "user")` is `jürgen` (hex digits are case-insensitive, RFC 5234).
 *
 * Decisions:
 * - Decoding yields a JavaScript string, so the octets MUST be well-formed UTF-8 (RFC 3986 section 2.5
 *   recommends UTF-8 for URI components). Other octet sequences (e.g. Latin-1 `%E9`) are rejected with
 *   `malformed-escape`: they could neither be represented faithfully nor become part of a JID.
 * - Encoding escapes only what the grammar requires, so `'`, `&` or `/` stay literal in a user part. Note
 *   that RFC 3261 section 19.1.4 treats `%26` and `&` (reserved characters) as different in URI
 *   comparison; a decoded model such as `SipUri` cannot keep that difference and normalises to the
 *   literal form. No deployed SIP element is known to rely on it.
 */
export type SipComponent = "user" | "param" | "header";

const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
const LITERAL: Record<SipComponent, RegExp> = {
  user: new RegExp(`^[${UNRESERVED}&=+$,;?/]$`),
  param: new RegExp(`^[${UNRESERVED}\\[\\]/:&+$]$`),
  header: new RegExp(`^[${UNRESERVED}\\[\\]/?:+$]$`),
};
/** Strings made only of literal characters: encoding and decoding leave them unchanged (the common case). */
const ALL_LITERAL: Record<SipComponent, RegExp> = {
  user: new RegExp(`^[${UNRESERVED}&=+$,;?/]*$`),
  param: new RegExp(`^[${UNRESERVED}\\[\\]/:&+$]*$`),
  header: new RegExp(`^[${UNRESERVED}\\[\\]/?:+$]*$`),
};
const HEX = /^[0-9A-Fa-f]{2}$/;
const LONE_SURROGATE = /\p{Cs}/u;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** True if the ASCII character `ch` may appear unescaped in `component`. */
export function isLiteralIn(ch: string, component: SipComponent): boolean {
  return LITERAL[component].test(ch);
}

/** Percent-encodes `value` for use as `component` of a SIP URI (see the table above). */
export function percentEncode(value: string, component: SipComponent): string {
  if (ALL_LITERAL[component].test(value)) return value;
  if (LONE_SURROGATE.test(value)) {
    throw new AddressError(
      "malformed-escape",
      `Cannot encode a lone UTF-16 surrogate in ${JSON.stringify(value)}`,
    );
  }
  let out = "";
  for (const ch of value) {
    if (isLiteralIn(ch, component)) {
      out += ch;
    } else {
      for (const byte of encoder.encode(ch)) out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
    }
  }
  return out;
}

/**
 * Decodes a `component` of a SIP URI. Throws `AddressError("malformed-escape")` for a character that
 * may not appear literally, a `%` not followed by two hex digits, or octets that are not UTF-8.
 * `what` names the component in error messages.
 */
export function percentDecode(text: string, component: SipComponent, what: string): string {
  if (ALL_LITERAL[component].test(text)) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX.test(hex)) {
        throw new AddressError("malformed-escape", `Bad percent-escape in ${what} ${JSON.stringify(text)}`);
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (isLiteralIn(ch, component)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      throw new AddressError(
        "malformed-escape",
        `Character ${JSON.stringify(ch)} must be percent-escaped in ${what} ${JSON.stringify(text)}`,
      );
    }
  }
  try {
    return decoder.decode(new Uint8Array(bytes));
  } catch {
    throw new AddressError("malformed-escape", `${what} ${JSON.stringify(text)} does not decode to UTF-8`);
  }
}
