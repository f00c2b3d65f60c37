import { AddressError } from "./address-error.js";

/**
 * The `host` of a SIP URI (RFC 3261 section 25.1):
 *
 *     host          = hostname / IPv4address / IPv6reference
 *     hostname      = *( domainlabel "." ) toplabel [ "." ]
 *     domainlabel   = alphanum / alphanum *( alphanum / "-" ) alphanum
 *     toplabel      = ALPHA / ALPHA *( alphanum / "-" ) alphanum
 *     IPv6reference = "[" IPv6address "]"
 *
 * Host names compare case-insensitively (RFC 3261 section 19.1.4), so the normal form is lower case;
 * IPv6 hex digits are lower-cased too (RFC 5952 section 4.3). Worked examples:
 *
 * - `SIP.Example.COM` -> `sip.example.com` (kind `name`)
 * - `example.com.` -> `example.com.` (the optional final dot is kept; the mapper strips it when it
 *   compares domains)
 * - `192.0.2.10` -> `192.0.2.10` (kind `ipv4`; each octet 0-255)
 * - `[2001:DB8::1]` -> `[2001:db8::1]` (kind `ipv6`; the brackets are part of the host)
 * - `xn--mnchen-3ya.de` -> unchanged (an IDN travels as A-labels; a SIP host is ASCII only)
 * - `münchen.de`, `exa_mple.com`, `-a.com`, `1.2.3.999`, `[1::2::3]` -> `AddressError("malformed-host")`
 *
 * A label is limited to 63 octets (RFC 1035 section 2.3.4).
 */
export type SipHostKind = "name" | "ipv4" | "ipv6";

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LABEL = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const H16 = /^[0-9a-f]{1,4}$/;

/** True for a dotted-quad IPv4 address with every octet in 0-255. */
export function isIPv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

/** True for an IPv6 address in any RFC 4291 section 2.2 text form (lower- or upper-case hex). */
export function isIPv6(text: string): boolean {
  const lower = text.toLowerCase();
  const halves = lower.split("::");
  if (halves.length > 2) return false;
  const groups = (part: string): string[] | null => {
    if (part === "") return [];
    const items = part.split(":");
    return items.every((g) => g !== "") ? items : null;
  };
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  if (head === null || tail === null) return false;
  const all = [...head, ...tail];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i] ?? "";
    if (i === all.length - 1 && g.includes(".")) {
      if (!isIPv4(g)) return false;
      count += 2;
    } else if (H16.test(g)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** The kind of an already normalised host. */
export function sipHostKind(host: string): SipHostKind {
  if (host.startsWith("[")) return "ipv6";
  return isIPv4(host) ? "ipv4" : "name";
}

/** Validates a SIP URI host and returns its normal (lower-case) form; throws `malformed-host`. */
export function normalizeSipHost(text: string): string {
  const host = text.toLowerCase();
  const fail = (): never => {
    throw new AddressError("malformed-host", `Not a valid SIP host: ${JSON.stringify(text)}`);
  };
  if (host.startsWith("[")) {
    if (!host.endsWith("]") || !isIPv6(host.slice(1, -1))) fail();
    return host;
  }
  if (isIPv4(host)) return host;
  const labels = (host.endsWith(".") ? host.slice(0, -1) : host).split(".");
  const top = labels[labels.length - 1] ?? "";
  if (!TOP_LABEL.test(top) || !labels.slice(0, -1).every((l) => LABEL.test(l))) fail();
  return host;
}
