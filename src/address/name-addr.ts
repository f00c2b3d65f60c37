import { AddressError } from "./address-error.js";
import { SipUri } from "./sip-uri.js";

/** A header parameter of a From/To/Contact value; `value` is unquoted, `null` for a flag. */
export interface NameAddrParam {
  readonly name: string;
  readonly value: string | null;
}

/**
 * The value of a From, To or Contact header (RFC 3261 sections 20.10, 20.20, 20.39 and 25.1):
 *
 *     from-spec    = ( name-addr / addr-spec ) *( SEMI from-param )
 *     name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *     display-name = *(token LWS) / quoted-string
 *     generic-param = token [ EQUAL gen-value ]   gen-value = token / host / quoted-string
 *
 * Worked examples (`parseNameAddr(text)`):
 *
 * - `"Bob" <sip:bob@example.com>;tag=x` -> display `Bob`, uri `sip:bob@example.com`, params `tag=x`
 * - `Bob Smith <sip:bob@example.com;gr=a>` -> display `Bob Smith`, uri with `gr=a` (a URI parameter,
 *   inside the brackets)
 * - `sip:bob@example.com;tag=x` -> no display name, uri `sip:bob@example.com`, params `tag=x`: "If the URI
 *   is not enclosed in angle brackets, any semicolon-delimited parameters are header-parameters, not URI
 *   parameters" (RFC 3261 section 20)
 * - `"J\"o" <sips:jo@example.com>` -> display `J"o` (quoted-pair), scheme `sips`
 * - `<tel:+15551234>` -> `AddressError("unsupported-scheme")`; `"Bob <sip:b@x` -> `malformed-name-addr`
 *
 * Header parameter names are case-insensitive (RFC 3261 section 7.3.1) and stored lower-cased; values
 * keep their case (a `tag` is compared case-sensitively).
 */
export interface NameAddr {
  readonly displayName: string | null;
  readonly uri: SipUri;
  readonly params: readonly NameAddrParam[];
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const GEN_VALUE = /^[A-Za-z0-9\-.!%*_+`'~:[\]]+$/; // token or host (IPv6 references add ':' '[' ']')

function fail(text: string, why: string): never {
  throw new AddressError("malformed-name-addr", `${why} in ${JSON.stringify(text)}`);
}

/** Reads a quoted-string starting at `text[start] === '"'`; returns its value and the index after it. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '"') return { value, end: i + 1 };
    if (ch === "\r" || ch === "\n") fail(text, "Line break inside a quoted-string");
    if (ch === "\\") {
      i++;
      if (i >= text.length) break;
      value += text.charAt(i);
    } else {
      value += ch;
    }
  }
  return fail(text, "Unterminated quoted-string");
}

function parseParams(text: string, paramText: string): NameAddrParam[] {
  const params: NameAddrParam[] = [];
  let i = 0;
  const rest = paramText.trim();
  while (i < rest.length) {
    if (rest.charAt(i) !== ";") fail(text, "Expected ';' before a header parameter");
    const semi = i;
    let j = semi + 1;
    while (j < rest.length && rest.charAt(j) !== ";" && rest.charAt(j) !== '"') j++;
    let raw = rest.slice(semi + 1, j).trim();
    let value: string | null = null;
    const eq = raw.indexOf("=");
    if (eq >= 0 && rest.charAt(j) === '"' && raw.slice(eq + 1).trim() === "") {
      const quoted = readQuoted(rest, j);
      value = quoted.value;
      j = quoted.end;
      raw = raw.slice(0, eq);
    } else if (eq >= 0) {
      value = raw.slice(eq + 1).trim();
      raw = raw.slice(0, eq);
      if (!GEN_VALUE.test(value)) fail(text, `Bad value for header parameter ${JSON.stringify(raw)}`);
    }
    const name = raw.trim();
    if (!TOKEN.test(name)) fail(text, `Bad header parameter name ${JSON.stringify(name)}`);
    params.push({ name: name.toLowerCase(), value });
    while (j < rest.length && /\s/.test(rest.charAt(j))) j++;
    i = j;
  }
  return params;
}

/** Parses a From/To/Contact header value; throws `AddressError`. The URI must be SIP or SIPS. */
export function parseNameAddr(text: string): NameAddr {
  const s = text.trim();
  let displayName: string | null = null;
  let uriText: string;
  let paramText: string;
  const lt = s.indexOf("<");
  if (s.startsWith('"')) {
    const quoted = readQuoted(s, 0);
    displayName = quoted.value;
    const afterName = s.slice(quoted.end).trimStart();
    if (!afterName.startsWith("<")) fail(text, "Expected '<' after the display name");
    const gt = afterName.indexOf(">");
    if (gt < 0) fail(text, "Missing '>'");
    uriText = afterName.slice(1, gt);
    paramText = afterName.slice(gt + 1);
  } else if (lt >= 0) {
    const name = s.slice(0, lt).trim();
    if (name !== "") {
      if (!name.split(/\s+/).every((t) => TOKEN.test(t))) fail(text, "Display name must be tokens or quoted");
      displayName = name;
    }
    const gt = s.indexOf(">", lt);
    if (gt < 0) fail(text, "Missing '>'");
    uriText = s.slice(lt + 1, gt);
    paramText = s.slice(gt + 1);
  } else {
    // addr-spec form: the URI ends at the first ';' (RFC 3261 section 20.10 forbids ';' '?' ',' in it).
    const semi = s.indexOf(";");
    uriText = semi >= 0 ? s.slice(0, semi) : s;
    paramText = semi >= 0 ? s.slice(semi) : "";
    if (/[?,]/.test(uriText)) fail(text, "A URI with '?' or ',' must be enclosed in angle brackets");
  }
  return { displayName, uri: SipUri.parse(uriText.trim()), params: parseParams(text, paramText) };
}

/** Formats a name-addr, always with angle brackets; quotes the display name unless it is all tokens. */
export function formatNameAddr(nameAddr: NameAddr): string {
  const quote = (v: string): string => {
    if (/[\r\n]/.test(v)) throw new AddressError("malformed-name-addr", "Line break in a quoted-string");
    return `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  };
  let out = "";
  const name = nameAddr.displayName;
  if (name !== null && name !== "") {
    out += (name.split(" ").every((t) => TOKEN.test(t)) ? name : quote(name)) + " ";
  }
  out += `<${nameAddr.uri.format()}>`;
  for (const { name: pname, value } of nameAddr.params) {
    out += `;${pname}`;
    if (value !== null) out += `=${GEN_VALUE.test(value) ? value : quote(value)}`;
  }
  return out;
}
