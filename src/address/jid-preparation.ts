import { domainToASCII, domainToUnicode } from "node:url";
import { AddressError } from "./address-error.js";
import { isIPv4, isIPv6 } from "./sip-host.js";

/**
 * Preparation and enforcement of the three parts of a JID (RFC 7622 sections 3.2-3.4), implemented with
 * the Unicode property tables of the JavaScript engine, so no library is needed. Each function returns
 * the prepared (canonical) form or throws `AddressError`; a part is canonical when preparing it changes
 * nothing. Worked examples:
 *
 * | part      | input              | prepared           | rule                                            |
 * | --------- | ------------------ | ------------------ | ----------------------------------------------- |
 * | localpart | `Bob`              | `bob`              | case mapping (RFC 8265 section 3.3.2, step 2)    |
 * | localpart | `ＢＯＢ` (fullwidth) | `bob`              | width mapping (step 1)                          |
 * | localpart | `jürgen`           | `jürgen`           | letters are PVALID (RFC 8264 section 9.1)       |
 * | localpart | `d\27artagnan`     | `d\27artagnan`     | `\` is ASCII7, allowed                          |
 * | localpart | `a b`, `a@b`, `😀` | error              | space, `@` and symbols are not allowed          |
 * | domain    | `Example.COM.`     | `example.com`      | lower case, final dot stripped (section 3.2)    |
 * | domain    | `xn--mnchen-3ya.de`| `münchen.de`       | A-labels become U-labels (section 3.2.1)        |
 * | domain    | `[2001:DB8::1]`    | `[2001:db8::1]`    | IPv6 literal in brackets (section 3.2)          |
 * | resource  | `Phone 📞`         | `Phone 📞`         | OpaqueString keeps case and symbols             |
 * | resource  | `a\u00A0b`         | `a b`              | non-ASCII space mapped to U+0020 (RFC 8265 4.2) |
 *
 * Localpart: "A localpart MUST NOT be zero octets in length and MUST NOT be more than 1023 octets in
 * length" and it is the UsernameCaseMapped profile (RFC 8265 section 3.3) with, in addition, `" & ' / :
 * < > @` disallowed (RFC 7622 section 3.3.1). The same 1023-octet limit applies to the domainpart (section
 * 3.2) and the resourcepart (section 3.4, OpaqueString profile of RFC 8265 section 4.2).
 *
 * Known simplifications, all conservative (they reject, never accept, a questionable string): the bidi
 * rule (RFC 5893) and the contextual rules of RFC 5892 are not applied, so CONTEXTJ/CONTEXTO code points
 * (e.g. U+00B7 in a localpart) are refused; domain names use the WHATWG/UTS 46 conversion of `node:url`.
 */
const MAX_OCTETS = 1023;
const encoder = new TextEncoder();

const LETTER_DIGIT = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u; // RFC 8264 section 9.1
const FREEFORM = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u; // RFC 8264 section 9.2 (valid categories)
const NEVER =
  /^[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF]$/u;
const LOCAL_EXCLUDED = new Set(['"', "&", "'", "/", ":", "<", ">", "@"]);
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function checkLength(value: string, part: string, reason: string): void {
  const octets = encoder.encode(value).length;
  if (octets === 0) throw new AddressError(reason, `A JID ${part} cannot be empty`);
  if (octets > MAX_OCTETS) {
    throw new AddressError(
      "jid-too-long",
      `A JID ${part} is limited to ${MAX_OCTETS} octets (RFC 7622), got ${octets}`,
    );
  }
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * The mapping steps of UsernameCaseMapped (RFC 8265 section 3.3.2, steps 1-3: width mapping, case mapping
 * to lower case, NFC) without the validity check, for text that is still to be escaped (XEP-0106).
 */
export function mapLocalpart(input: string): string {
  return input
    .replace(/[\uFF01-\uFFEF]/g, (c) => c.normalize("NFKC"))
    .toLowerCase()
    .normalize("NFC");
}

/** Prepares and enforces a localpart (RFC 7622 section 3.3, UsernameCaseMapped); throws `invalid-localpart`. */
export function prepareLocalpart(input: string): string {
  const value = mapLocalpart(input);
  checkLength(value, "localpart", "invalid-localpart");
  for (const ch of value) {
    const ascii7 = ch >= "\x21" && ch <= "\x7e";
    const ok = ascii7
      ? !LOCAL_EXCLUDED.has(ch)
      : LETTER_DIGIT.test(ch) && !NEVER.test(ch) && ch.normalize("NFKC") === ch;
    if (!ok) {
      throw new AddressError(
        "invalid-localpart",
        `Character ${JSON.stringify(ch)} (${codePoint(ch)}) is not allowed in a JID localpart: ${JSON.stringify(input)}`,
      );
    }
  }
  return value;
}

/** Prepares and enforces a resourcepart (RFC 7622 section 3.4, OpaqueString); throws `invalid-resourcepart`. */
export function prepareResourcepart(input: string): string {
  const value = input.replace(/(?!\u0020)\p{Zs}/gu, " ").normalize("NFC");
  checkLength(value, "resourcepart", "invalid-resourcepart");
  for (const ch of value) {
    if (!FREEFORM.test(ch) || NEVER.test(ch)) {
      throw new AddressError(
        "invalid-resourcepart",
        `Character ${codePoint(ch)} is not allowed in a JID resourcepart: ${JSON.stringify(input)}`,
      );
    }
  }
  return value;
}

/**
 * Prepares a domainpart (RFC 7622 section 3.2): IP literals as they are (IPv6 lower-cased, in brackets),
 * names lower-cased, final dot stripped, A-labels converted to U-labels; throws `invalid-domainpart`.
 */
export function prepareDomainpart(input: string): string {
  const fail = (): never => {
    throw new AddressError("invalid-domainpart", `Not a valid JID domainpart: ${JSON.stringify(input)}`);
  };
  if (input.startsWith("[")) {
    if (!input.endsWith("]") || !isIPv6(input.slice(1, -1))) fail();
    return input.toLowerCase();
  }
  if (isIPv4(input)) return input;
  const name = input.endsWith(".") ? input.slice(0, -1) : input;
  if (name === "" || /[\s/@[\]]/.test(name)) fail();
  const ascii = domainToASCII(name);
  if (ascii === "" || !ascii.split(".").every((label) => LABEL.test(label))) fail();
  const unicode = domainToUnicode(ascii);
  if (unicode === "" || isIPv4(unicode)) fail();
  checkLength(unicode, "domainpart", "invalid-domainpart");
  return unicode;
}

/** The ASCII (A-label) form of a prepared domainpart, as a SIP host needs it (RFC 3261 section 25.1). */
export function domainpartToAscii(domain: string): string {
  if (domain.startsWith("[") || isIPv4(domain)) return domain;
  const ascii = domainToASCII(domain);
  if (ascii === "")
    throw new AddressError("invalid-domainpart", `Not a valid domain: ${JSON.stringify(domain)}`);
  return ascii;
}
