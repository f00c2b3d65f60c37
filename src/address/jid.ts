import { AddressError } from "./address-error.js";
import { prepareDomainpart, prepareLocalpart, prepareResourcepart } from "./jid-preparation.js";

/**
 * A JID split into its parts (RFC 7622 section 3.1): `[ localpart "@" ] domainpart [ "/" resourcepart ]`.
 * JIDs stay plain strings at the API of the address layer; this is the working form inside it.
 *
 * Splitting follows RFC 7622 section 3.1 literally: the resourcepart is everything after the first `/`,
 * then the localpart is everything before the first `@` of what remains. Worked examples:
 *
 * | text                          | local         | domain          | resource     |
 * | ----------------------------- | ------------- | --------------- | ------------ |
 * | `alice@example.com`           | `alice`       | `example.com`   | -            |
 * | `alice@example.com/phone`     | `alice`       | `example.com`   | `phone`      |
 * | `example.com/a@b/c`           | -             | `example.com`   | `a@b/c`      |
 * | `bob\40other.org@gw.example`  | `bob\40other.org` | `gw.example` | -           |
 * | `@example.com`, `a@`, `a@b/`  | error `malformed-jid` (empty part)             |
 *
 * `prepareJid` additionally prepares and enforces every part (see `jid-preparation.ts`), so
 * `prepareJid("Alice@Example.COM/Phone")` is `alice@example.com/Phone`.
 */
export interface JidParts {
  readonly local: string | null;
  readonly domain: string;
  readonly resource: string | null;
}

/** Splits a JID string into its parts without preparing them; throws `malformed-jid` on an empty part. */
export function splitJid(text: string): JidParts {
  const slash = text.indexOf("/");
  const bare = slash >= 0 ? text.slice(0, slash) : text;
  const resource = slash >= 0 ? text.slice(slash + 1) : null;
  const at = bare.indexOf("@");
  const local = at >= 0 ? bare.slice(0, at) : null;
  const domain = at >= 0 ? bare.slice(at + 1) : bare;
  if (local === "" || domain === "" || resource === "") {
    throw new AddressError("malformed-jid", `A JID part is empty in ${JSON.stringify(text)}`);
  }
  return { local, domain, resource };
}

/** Joins JID parts into the string form. */
export function formatJid(parts: JidParts): string {
  let out = parts.domain;
  if (parts.local !== null) out = `${parts.local}@${out}`;
  if (parts.resource !== null) out += `/${parts.resource}`;
  return out;
}

/** Splits, prepares and enforces a JID (RFC 7622 section 3); throws `AddressError`. */
export function prepareJid(jid: string | JidParts): JidParts {
  const parts = typeof jid === "string" ? splitJid(jid) : jid;
  return {
    local: parts.local === null ? null : prepareLocalpart(parts.local),
    domain: prepareDomainpart(parts.domain),
    resource: parts.resource === null ? null : prepareResourcepart(parts.resource),
  };
}

/** True if `jid` is a valid JID already in its prepared (canonical) form. */
export function isCanonicalJid(jid: string): boolean {
  try {
    return formatJid(prepareJid(jid)) === jid;
  } catch {
    return false;
  }
}
