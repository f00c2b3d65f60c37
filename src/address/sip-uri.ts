import { AddressError } from "./address-error.js";
import { percentDecode, percentEncode } from "./percent-encoding.js";
import { normalizeSipHost } from "./sip-host.js";
import { Memo } from "../util/memo.js";

/** One `uri-parameter`; `value` is `null` for a flag such as `;lr`. Names are lower case. */
export interface SipUriParam {
  readonly name: string;
  readonly value: string | null;
}

/** One `header` of the `?...` part. */
export interface SipUriHeader {
  readonly name: string;
  readonly value: string;
}

export interface SipUriInit {
  scheme?: "sip" | "sips";
  user?: string | null;
  host: string;
  port?: number | null;
  params?: readonly SipUriParam[];
  headers?: readonly SipUriHeader[];
}

/**
 * A SIP or SIPS URI (RFC 3261 sections 19.1 and 25.1), decoded:
 *
 *     SIP-URI  = "sip:"  [ userinfo ] hostport uri-parameters [ headers ]
 *     SIPS-URI = "sips:" [ userinfo ] hostport uri-parameters [ headers ]
 *     userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 *
 * Worked examples (`SipUri.parse(text)` -> fields -> `format()`):
 *
 * - `sip:bob@sip.example.com` -> user `bob`, host `sip.example.com` -> same text
 * - `SIP:Bob@SIP.Example.COM:5070` -> scheme `sip`, user `Bob` (user parts are case-sensitive, RFC 3261
 *   section 19.1.4), host `sip.example.com`, port 5070 -> `sip:Bob@sip.example.com:5070`
 * - `sip:b%40b@example.com` -> user `b@b` -> same text
 * - `sip:j%c3%bcrgen@example.com` -> user `jürgen` -> `sip:j%C3%BCrgen@example.com`
 * - `sip:a%20b@[2001:DB8::1]` -> user `a b`, host `[2001:db8::1]`
 * - `sips:alice@example.com;GR=urn:uuid:1;Lr?Subject=hi%20there` -> params `gr=urn:uuid:1`, `lr`
 *   (names lower-cased, order kept), header `Subject: hi there` -> `sips:alice@example.com;gr=urn:uuid:1;lr?Subject=hi%20there`
 * - `sip:example.com` -> no user (allowed by the grammar; the mapper decides whether it means anything)
 *
 * Decisions:
 * - A password (`sip:bob:secret@host`) is rejected with `AddressError("password")`: RFC 3261 section
 *   19.1.1 says its use "is NOT RECOMMENDED", RFC 3986 section 3.2.1 calls it deprecated, and a gateway
 *   has no use for one; silently dropping it would hide a credential leak.
 * - Parameter names are compared case-insensitively (RFC 3261 section 19.1.4) and stored lower-cased. A
 *   name given twice is rejected (`malformed-uri`): lookups such as `gr` must not be ambiguous.
 * - Percent-escapes are decoded on parse and re-applied on format exactly where section 25.1 requires
 *   them (see `percent-encoding.ts`); escaped octets must be UTF-8.
 * - Literal non-ASCII characters are not part of the grammar and make the URI malformed.
 */
export class SipUri {
  readonly scheme: "sip" | "sips";
  readonly user: string | null;
  readonly host: string;
  readonly port: number | null;
  readonly params: readonly SipUriParam[];
  readonly headers: readonly SipUriHeader[];
  /** The normal form, computed once by the constructor (see `format`). */
  private readonly text: string;

  constructor(init: SipUriInit) {
    this.scheme = init.scheme ?? "sip";
    if (init.user === "") throw new AddressError("malformed-uri", "A SIP URI user part cannot be empty");
    this.user = init.user ?? null;
    this.host = normalizeSipHost(init.host);
    const port = init.port ?? null;
    if (port !== null && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
      throw new AddressError("malformed-port", `Not a valid port: ${port}`);
    }
    this.port = port;
    const seen = new Set<string>();
    this.params = (init.params ?? []).map(({ name, value }) => {
      const lower = name.toLowerCase();
      if (lower === "" || value === "")
        throw new AddressError("malformed-uri", "Empty URI parameter name or value");
      if (seen.has(lower))
        throw new AddressError("malformed-uri", `URI parameter ${JSON.stringify(lower)} given twice`);
      seen.add(lower);
      return { name: lower, value };
    });
    this.headers = (init.headers ?? []).map(({ name, value }) => {
      if (name === "") throw new AddressError("malformed-uri", "Empty URI header name");
      return { name, value };
    });
    // Fail now rather than in format(): lone surrogates cannot be percent-encoded. The fields are
    // immutable, so the text is computed once.
    this.text = formatUri(this);
  }

  /**
   * Parses a SIP/SIPS URI (addr-spec form, no angle brackets); throws `AddressError`. The same
   * few thousand URIs come back with every message, and a SipUri is immutable: results are shared
   * through a bounded memo (errors are not remembered).
   */
  static parse(text: string): SipUri {
    return parsed.get(text, () => parseUri(text));
  }

  /** The value of parameter `name` (case-insensitive): a string, `null` for a flag, `undefined` if absent. */
  param(name: string): string | null | undefined {
    const lower = name.toLowerCase();
    return this.params.find((p) => p.name === lower)?.value;
  }

  /** A copy with the given fields replaced. */
  with(changes: Partial<SipUriInit>): SipUri {
    return new SipUri({ ...this.toInit(), ...changes });
  }

  /** The fields as a plain object (for `new SipUri(...)`, `with`, or deep equality in tests). */
  toInit(): Required<SipUriInit> {
    const { scheme, user, host, port, params, headers } = this;
    return { scheme, user, host, port, params, headers };
  }

  /** The URI text, with percent-escapes exactly where RFC 3261 section 25.1 requires them. */
  format(): string {
    return this.text;
  }

  toString(): string {
    return this.format();
  }

  /** Equality of the normal forms (not the full RFC 3261 section 19.1.4 comparison rules). */
  equals(other: SipUri): boolean {
    return this.format() === other.format();
  }
}

function splitHostPort(hostport: string, text: string): { host: string; port: number | null } {
  let host = hostport;
  let portText: string | null = null;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    host = close >= 0 ? hostport.slice(0, close + 1) : hostport;
    const after = close >= 0 ? hostport.slice(close + 1) : "";
    if (after !== "") {
      if (!after.startsWith(":"))
        throw new AddressError("malformed-host", `Bad host in ${JSON.stringify(text)}`);
      portText = after.slice(1);
    }
  } else {
    const colon = hostport.indexOf(":");
    if (colon >= 0) {
      host = hostport.slice(0, colon);
      portText = hostport.slice(colon + 1);
    }
  }
  if (host === "") throw new AddressError("malformed-host", `No host in ${JSON.stringify(text)}`);
  if (portText === null) return { host, port: null };
  if (!/^\d{1,5}$/.test(portText))
    throw new AddressError("malformed-port", `Bad port in ${JSON.stringify(text)}`);
  return { host, port: Number(portText) };
}

function parseUri(text: string): SipUri {
  const m = /^(sips?):(.*)$/is.exec(text);
  if (m === null) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1];
    if (scheme !== undefined) {
      throw new AddressError(
        "unsupported-scheme",
        `Not a SIP or SIPS URI (scheme ${scheme}): ${JSON.stringify(text)}`,
      );
    }
    throw new AddressError("malformed-uri", `Not a SIP URI: ${JSON.stringify(text)}`);
  }
  const scheme = (m[1] ?? "").toLowerCase() as "sip" | "sips";
  let rest = m[2] ?? "";
  // '@' may appear nowhere but as the userinfo delimiter (it is escaped in users, params and headers).
  const at = rest.indexOf("@");
  if (at !== rest.lastIndexOf("@"))
    throw new AddressError("malformed-uri", `More than one '@' in ${JSON.stringify(text)}`);
  let user: string | null = null;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    if (userinfo.includes(":")) {
      throw new AddressError("password", `A password in a SIP URI is not accepted: ${JSON.stringify(text)}`);
    }
    if (userinfo === "")
      throw new AddressError("malformed-uri", `Empty user part in ${JSON.stringify(text)}`);
    user = percentDecode(userinfo, "user", "user part");
    rest = rest.slice(at + 1);
  }
  const q = rest.indexOf("?");
  const headerText = q >= 0 ? rest.slice(q + 1) : null;
  const [hostport = "", ...paramTexts] = (q >= 0 ? rest.slice(0, q) : rest).split(";");
  const { host, port } = splitHostPort(hostport, text);
  const params = paramTexts.map((p) => {
    const eq = p.indexOf("=");
    const name = percentDecode(eq >= 0 ? p.slice(0, eq) : p, "param", "parameter name");
    const value = eq >= 0 ? percentDecode(p.slice(eq + 1), "param", "parameter value") : null;
    return { name, value };
  });
  const headers =
    headerText === null
      ? []
      : headerText.split("&").map((h) => {
          const eq = h.indexOf("=");
          if (eq < 0)
            throw new AddressError("malformed-uri", `URI header without '=' in ${JSON.stringify(text)}`);
          return {
            name: percentDecode(h.slice(0, eq), "header", "header name"),
            value: percentDecode(h.slice(eq + 1), "header", "header value"),
          };
        });
  return new SipUri({ scheme, user, host, port, params, headers });
}

function formatUri(u: Pick<SipUri, "scheme" | "user" | "host" | "port" | "params" | "headers">): string {
  let out = `${u.scheme}:`;
  if (u.user !== null) out += `${percentEncode(u.user, "user")}@`;
  out += u.host;
  if (u.port !== null) out += `:${u.port}`;
  for (const { name, value } of u.params) {
    out += `;${percentEncode(name, "param")}`;
    if (value !== null) out += `=${percentEncode(value, "param")}`;
  }
  if (u.headers.length > 0) {
    out +=
      "?" +
      u.headers
        .map((h) => `${percentEncode(h.name, "header")}=${percentEncode(h.value, "header")}`)
        .join("&");
  }
  return out;
}

const parsed = new Memo<SipUri>(10_000);
