import { AddressError } from "./address-error.js";

/**
 * XEP-0106 (JID Escaping, version 1.1) for the localpart of a JID: the nine characters that a localpart
 * may not contain become `\` + two lower-case hex digits, and so does `\` itself when it starts a sequence
 * that would otherwise read as an escape.
 *
 * | unescaped | space | `"` | `&` | `'` | `/` | `:` | `<` | `>` | `@` | `\` (see below) |
 * | escaped   | `\20` | `\22` | `\26` | `\27` | `\2f` | `\3a` | `\3c` | `\3e` | `\40` | `\5c` |
 *
 * Worked examples (XEP-0106 section 5.1 table, and section 5.3 for SIP):
 *
 * | unescaped                          | escaped                                |
 * | ---------------------------------- | -------------------------------------- |
 * | `space cadet`                      | `space\20cadet`                        |
 * | `call me "ishmael"`                | `call\20me\20\22ishmael\22`            |
 * | `at&t guy`                         | `at\26t\20guy`                         |
 * | `d'artagnan`                       | `d\27artagnan`                         |
 * | `/.fanboy`                         | `\2f.fanboy`                           |
 * | `::foo::`                          | `\3a\3afoo\3a\3a`                      |
 * | `<foo>`                            | `\3cfoo\3e`                            |
 * | `user@host`                        | `user\40host`                          |
 * | `c:\5commas`                       | `c\3a\5c5commas`                       |
 * | `here's_a_wild_&_/cr%zy/_address`  | `here\27s_a_wild_\26_\2fcr%zy\2f_address` |
 * | `\3and\2is\5cool` (XEP 5.5 wv:)    | `\5c3and\2is\5c5cool`                  |
 * | `foo\bar`, `\2plus\2is\4`, `foob\41r` | unchanged (XEP-0106 section 4.3)    |
 *
 * The backslash rule. XEP-0106 section 4.2, step 3: "If there are any instances of character sequences
 * that correspond to escapings of the disallowed characters (e.g., the character sequence "\27") or the
 * escaping character (i.e., the character sequence "\5c") in the source address, the leading backslash
 * character MUST be escaped to the character sequence "\5c"", and section 4.3: "partial escape sequences
 * and escape sequences corresponding to characters not on the list of disallowed characters MUST be
 * ignored". So `\` is escaped only in front of one of the ten sequences above. Examples 9-11 of the XEP's
 * table (`c:\net` -> `c\3a\5cnet`) contradict this normative text, and some libraries (jxmpp's
 * `escapeLocalpart`) escape every backslash; this module follows the normative rules, which also keeps more
 * native JIDs canonical (see docs/addressing.md).
 *
 * Case is significant (XEP-0106 section 3.1): `\2F` is not an escape. Callers must therefore case-fold a
 * localpart *before* escaping it, or folding would turn a literal `\2F` into the escape `\2f`.
 */
const TO_ESCAPE: Readonly<Record<string, string>> = {
  " ": "\\20",
  '"': "\\22",
  "&": "\\26",
  "'": "\\27",
  "/": "\\2f",
  ":": "\\3a",
  "<": "\\3c",
  ">": "\\3e",
  "@": "\\40",
};
const CODES = ["20", "22", "26", "27", "2f", "3a", "3c", "3e", "40", "5c"] as const;
const FROM_ESCAPE: Readonly<Record<string, string>> = {
  "20": " ",
  "22": '"',
  "26": "&",
  "27": "'",
  "2f": "/",
  "3a": ":",
  "3c": "<",
  "3e": ">",
  "40": "@",
  "5c": "\\",
};

function startsEscape(text: string, backslashAt: number): boolean {
  const code = text.slice(backslashAt + 1, backslashAt + 3);
  return (CODES as readonly string[]).includes(code);
}

/**
 * Escapes an unescaped (human / foreign) localpart. Throws `AddressError("escaping")` when the result
 * would start or end with `\20`: "The character sequence \20 MUST NOT be the first or last character of
 * an escaped node identifier" (XEP-0106 section 4.1, rule 6).
 */
export function escapeLocalpart(unescaped: string): string {
  if (unescaped.startsWith(" ") || unescaped.endsWith(" ")) {
    throw new AddressError(
      "escaping",
      `A localpart cannot start or end with a space (XEP-0106 section 4.1): ${JSON.stringify(unescaped)}`,
    );
  }
  let out = "";
  for (let i = 0; i < unescaped.length; i++) {
    const ch = unescaped.charAt(i);
    if (ch === "\\") out += startsEscape(unescaped, i) ? "\\5c" : "\\";
    else out += TO_ESCAPE[ch] ?? ch;
  }
  return out;
}

/**
 * Unescapes a localpart: replaces exactly the ten sequences of the table and nothing else ("An entity
 * MUST unescape only the specified sequences and MUST NOT unescape sequences that do not match the
 * specified sequences", XEP-0106 section 4.1, rule 3). Never throws.
 */
export function unescapeLocalpart(escaped: string): string {
  let out = "";
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped.charAt(i);
    if (ch === "\\" && startsEscape(escaped, i)) {
      out += FROM_ESCAPE[escaped.slice(i + 1, i + 3)] ?? "";
      i += 2;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * True if `escaped` is the escaping of its own unescaping, i.e. the one form this module would produce.
 * `foo\5cbar` (needless escape, `foo\bar` is canonical) and `\20bob` (XEP-0106 section 4.1, rule 6) are
 * not canonical.
 */
export function isCanonicallyEscaped(escaped: string): boolean {
  const raw = unescapeLocalpart(escaped);
  if (raw.startsWith(" ") || raw.endsWith(" ")) return false;
  return escapeLocalpart(raw) === escaped;
}
