/**
 * Parses a Content-Type value (`type/subtype;param=value;...`), as found in a SIP `Content-Type` header
 * or in the content headers of a CPIM message.
 *
 * Grammar: RFC 2045 section 5.1 (`type "/" subtype *(";" parameter)`, `parameter := attribute "="
 * value`, `value := token / quoted-string`), with the linear white space RFC 3261 section 25.1 allows
 * around "/", ";" and "=" (`SLASH = SWS "/" SWS`, `SEMI = SWS ";" SWS`, `EQUAL = SWS "=" SWS`).
 *
 * Case: RFC 2045 section 5.1, "The type, subtype, and parameter names are not case sensitive." Type,
 * subtype and parameter names are lower-cased here; parameter values are kept as written (a charset
 * name is compared case-insensitively by `charset.ts`, which is where that rule belongs).
 *
 * Leniency (docs/im.md, "Content-Type"): a trailing ";" is ignored; when a parameter is repeated, the first
 * one wins (seen in the wild as `charset=utf-8; charset=utf-8`). Anything else that does not fit the
 * grammar is a `SipBodyError` 400 `malformed-content-type`.
 */
import { Memo } from "../../util/memo.js";
import { SipBodyError } from "./sip-body-error.js";

export interface ContentType {
  /** `type/subtype`, lower case, e.g. `text/plain`. */
  readonly mediaType: string;
  readonly type: string;
  readonly subtype: string;
  /** Parameters by lower-cased name; values unquoted, as written. */
  readonly params: ReadonlyMap<string, string>;
}

// RFC 2045: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>
const TOKEN = /^[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+/;
const SWS = /^[ \t]*/;

/**
 * Throws `SipBodyError` as described above. A handful of values come with every message and a
 * ContentType is never modified: results are shared through a bounded memo (errors are not remembered).
 */
export function parseContentType(value: string): ContentType {
  return parsed.get(value, () => parse(value));
}

const parsed = new Memo<ContentType>(1_000);

function parse(value: string): ContentType {
  let rest = value.trim();
  const fail = (why: string): never => {
    throw SipBodyError.malformed(
      "malformed-content-type",
      `malformed Content-Type ${JSON.stringify(value)}: ${why}`,
    );
  };
  const take = (re: RegExp): string => {
    const m = re.exec(rest);
    if (!m) return "";
    rest = rest.slice(m[0].length);
    return m[0];
  };
  const expect = (ch: string, what: string): void => {
    take(SWS);
    if (!rest.startsWith(ch)) fail(`expected ${what}`);
    rest = rest.slice(1);
    take(SWS);
  };

  const type = take(TOKEN).toLowerCase();
  if (!type) fail("no type");
  expect("/", '"/"');
  const subtype = take(TOKEN).toLowerCase();
  if (!subtype) fail("no subtype");

  const params = new Map<string, string>();
  for (;;) {
    take(SWS);
    if (rest === "") break;
    expect(";", '";"');
    if (rest === "") break; // a trailing ";"
    const name = take(TOKEN).toLowerCase();
    if (!name) fail("parameter without a name");
    expect("=", '"=" after a parameter name');
    let paramValue: string;
    if (rest.startsWith('"')) {
      paramValue = takeQuoted();
    } else {
      paramValue = take(TOKEN);
      if (!paramValue) fail(`empty value for parameter ${name}`);
    }
    if (!params.has(name)) params.set(name, paramValue);
  }
  return { mediaType: `${type}/${subtype}`, type, subtype, params };

  // quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE (RFC 3261 section 25.1; RFC 822 for MIME)
  function takeQuoted(): string {
    let out = "";
    for (let i = 1; i < rest.length; i++) {
      const c = rest[i] as string;
      if (c === "\\") {
        const next = rest[i + 1];
        if (next === undefined) break;
        out += next;
        i++;
      } else if (c === '"') {
        rest = rest.slice(i + 1);
        return out;
      } else if (c === "\r" || c === "\n") {
        break;
      } else {
        out += c;
      }
    }
    return fail("unterminated quoted string");
  }
}

/** Formats a media type with parameters, quoting values that are not tokens. */
export function formatContentType(mediaType: string, params: Readonly<Record<string, string>> = {}): string {
  let out = mediaType;
  for (const [name, value] of Object.entries(params)) {
    const token = TOKEN.exec(value);
    const bare = token !== null && token[0] === value;
    out += `;${name}=${bare ? value : `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`}`;
  }
  return out;
}
