import { Memo } from "../util/memo.js";
import { AddressError } from "./address-error.js";
import { escapeLocalpart, unescapeLocalpart } from "./jid-escaping.js";
import {
  domainpartToAscii,
  mapLocalpart,
  prepareDomainpart,
  prepareLocalpart,
  prepareResourcepart,
} from "./jid-preparation.js";
import { formatJid, prepareJid } from "./jid.js";
import { SipUri } from "./sip-uri.js";

export interface AddressMapperOptions {
  /** The XEP-0114 component's domain, e.g. `sip.example.com`. */
  componentDomain: string;
  /** The SIP domains the gateway serves; non-empty. */
  sipDomains: string[];
  /** XMPP user domains; when absent or empty, any domain that is neither a SIP domain nor the component domain. */
  xmppDomains?: string[];
}

/**
 * Maps addresses between SIP and XMPP for an XEP-0114 component gateway (RFC 7247 address mapping,
 * XEP-0106, RFC 7622, RFC 3261). All four mappings are exact inverses on their canonical forms. Worked examples, with
 * `componentDomain = sipDomains[0] = "sip.example.com"`, `sipDomains[1] = "pbx.example.net"`,
 * `xmppDomains = ["example.com"]`:
 *
 * SIP parties, as seen in XMPP (`sipUserToJid` / `jidToSipUser`):
 *
 * | SIP URI                                   | JID                                             |
 * | ----------------------------------------- | ----------------------------------------------- |
 * | `sip:bob@sip.example.com`                 | `bob@sip.example.com`                           |
 * | `sip:bob@sip.example.com;gr=urn:uuid:f81d`| `bob@sip.example.com/urn:uuid:f81d`             |
 * | `sip:bob@pbx.example.net`                 | `bob\40pbx.example.net@sip.example.com`         |
 * | `sip:carol@other.org:5070`                | `carol\40other.org\3a5070@sip.example.com`      |
 * | `sip:b%40b@sip.example.com`               | `b\40b\40sip.example.com@sip.example.com`       |
 * | `sip:d'artagnan@sip.example.com`          | `d\27artagnan@sip.example.com`                  |
 * | `sip:Bob@sip.example.com`                 | `bob@sip.example.com` (case-folded, one-way)    |
 * | `sip:alice@example.com` (an XMPP domain)  | error `wrong-domain`                            |
 *
 * XMPP users, as seen in SIP (`xmppUserToSipUri` / `sipUriToXmppUser`):
 *
 * | JID                                       | SIP URI                                         |
 * | ----------------------------------------- | ----------------------------------------------- |
 * | `alice@example.com`                       | `sip:alice@example.com`                         |
 * | `alice@example.com/phone`                 | `sip:alice@example.com;gr=phone`                |
 * | `d\27artagnan@example.com`                | `sip:d'artagnan@example.com`                    |
 * | `example.com`                             | `sip:example.com`                               |
 * | `alice@sip.example.com`                   | error `wrong-domain` (that is a SIP user)        |
 *
 * The rules, the RFC sections behind them and every decision are in docs/addressing.md.
 */
export class AddressMapper {
  /** Results per input (see memo.ts): the mapping is pure, so a repeated address costs a lookup. */
  readonly #memo = {
    isSipDomain: new Memo<boolean>(),
    sipUserToJid: new Memo<string>(),
    jidToSipUser: new Memo<SipUri>(),
    xmppUserToSipUri: new Memo<SipUri>(),
    sipUriToXmppUser: new Memo<string>(),
  };
  /** The component domain, prepared (RFC 7622 section 3.2). */
  readonly componentDomain: string;
  readonly #sipDomains: ReadonlySet<string>;
  readonly #xmppDomains: ReadonlySet<string>;
  readonly #home: string;

  constructor(options: AddressMapperOptions) {
    const prep = (d: string, what: string): string => {
      try {
        return prepareDomainpart(d);
      } catch {
        throw new TypeError(`AddressMapper: ${what} ${JSON.stringify(d)} is not a valid domain`);
      }
    };
    if (options.sipDomains.length === 0) throw new TypeError("AddressMapper: sipDomains must not be empty");
    this.componentDomain = prep(options.componentDomain, "componentDomain");
    const sip = options.sipDomains.map((d) => prep(d, "SIP domain"));
    this.#sipDomains = new Set(sip);
    this.#xmppDomains = new Set((options.xmppDomains ?? []).map((d) => prep(d, "XMPP domain")));
    for (const d of this.#xmppDomains) {
      if (d === this.componentDomain || this.#sipDomains.has(d)) {
        throw new TypeError(
          `AddressMapper: ${d} cannot be both an XMPP domain and a SIP or component domain`,
        );
      }
    }
    this.#home = this.#sipDomains.has(this.componentDomain) ? this.componentDomain : (sip[0] ?? "");
  }

  /** The home SIP domain (as it appears in SIP URIs): componentDomain if it is a SIP domain, else sipDomains[0]. */
  get homeSipDomain(): string {
    return domainpartToAscii(this.#home);
  }

  /** True if `domain` is one of the configured SIP domains (any case, A- or U-labels, final dot or not). */
  isSipDomain(domain: string): boolean {
    return this.#memo.isSipDomain.get(domain, () => {
      const d = tryPrepareDomain(domain);
      return d !== null && this.#sipDomains.has(d);
    });
  }

  /** True if `domain` is an XMPP user domain (see {@link AddressMapperOptions.xmppDomains}). */
  isXmppDomain(domain: string): boolean {
    const d = tryPrepareDomain(domain);
    if (d === null || d === this.componentDomain || this.#sipDomains.has(d)) return false;
    return this.#xmppDomains.size === 0 || this.#xmppDomains.has(d);
  }

  /** A SIP-side party (From, P-Asserted-Identity, Contact...) to its JID at the component domain. */
  sipUserToJid(uri: string | SipUri): string {
    const key = typeof uri === "string" ? uri : uri.format();
    return this.#memo.sipUserToJid.get(key, () => this.#sipUserToJid(uri));
  }

  #sipUserToJid(uri: string | SipUri): string {
    const u = typeof uri === "string" ? SipUri.parse(uri) : uri;
    if (u.user === null) throw new AddressError("no-user", `A SIP party needs a user part: ${u.format()}`);
    const domain = prepareDomainpart(u.host);
    // The component domain is the gateway's own XMPP face; unless it is also a SIP domain, no SIP party
    // lives there, and accepting it would let a JID map onto itself (docs/addressing.md, decision 7).
    if (domain === this.componentDomain && !this.#sipDomains.has(domain)) {
      throw new AddressError(
        "wrong-domain",
        `${u.format()} is at the gateway's own XMPP domain, not a SIP domain`,
      );
    }
    // RFC 7247 architecture: the SIP side reaches the XMPP domains only through the gateway, so a SIP party
    // claiming an address there is a loop or a forgery (decision 6). Only explicit xmppDomains can tell.
    if (this.#xmppDomains.has(domain)) {
      throw new AddressError("wrong-domain", `${u.format()} is at an XMPP domain; it cannot be a SIP party`);
    }
    // Case mapping first (RFC 7622 section 3.3 / RFC 8265 section 3.3.2), then XEP-0106 escaping; the
    // XMPP server would fold the case anyway (decision 3). Anything but a plain user at the home domain
    // keeps its full `user@host[:port]` in the localpart, so the mapping stays invertible (decision 2).
    const user = mapLocalpart(u.user);
    const atHome = domain === this.#home && u.port === null && !user.includes("@");
    const hostport = domainpartToAscii(domain) + (u.port === null ? "" : `:${u.port}`);
    const local = toLocalpart(atHome ? user : `${user}@${hostport}`);
    return formatJid({ local, domain: this.componentDomain, resource: grToResource(u) });
  }

  /** The inverse of {@link sipUserToJid}: a JID at the component domain to the SIP party it stands for. */
  jidToSipUser(jid: string): SipUri {
    return this.#memo.jidToSipUser.get(jid, () => this.#jidToSipUser(jid));
  }

  #jidToSipUser(jid: string): SipUri {
    const p = prepareJid(jid);
    if (p.domain !== this.componentDomain) {
      throw new AddressError("wrong-domain", `${jid} is not at the gateway's domain ${this.componentDomain}`);
    }
    if (p.local === null)
      throw new AddressError("no-user", `${jid} has no localpart, so it names no SIP party`);
    const raw = unescapeLocalpart(p.local);
    const at = raw.lastIndexOf("@");
    const params = p.resource === null ? [] : [{ name: "gr", value: p.resource }];
    let uri: SipUri;
    if (at < 0) {
      uri = new SipUri({ user: raw, host: this.homeSipDomain, params });
    } else {
      const { host, port } = parseHostPort(raw.slice(at + 1), jid);
      uri = new SipUri({ user: raw.slice(0, at) === "" ? null : raw.slice(0, at), host, port, params });
    }
    this.#requireCanonical(jid, formatJid(p), () => this.sipUserToJid(uri));
    return uri;
  }

  /** An XMPP user to the SIP URI that SIP uses for them: `alice@example.com/phone` -> `sip:alice@example.com;gr=phone`. */
  xmppUserToSipUri(jid: string): SipUri {
    return this.#memo.xmppUserToSipUri.get(jid, () => this.#xmppUserToSipUri(jid));
  }

  #xmppUserToSipUri(jid: string): SipUri {
    const p = prepareJid(jid);
    this.#requireXmppDomain(p.domain, jid);
    const uri = new SipUri({
      user: p.local === null ? null : unescapeLocalpart(p.local),
      host: domainpartToAscii(p.domain),
      params: p.resource === null ? [] : [{ name: "gr", value: p.resource }],
    });
    this.#requireCanonical(jid, formatJid(p), () => this.sipUriToXmppUser(uri));
    return uri;
  }

  /** The inverse of {@link xmppUserToSipUri}, for the Request-URI or To of a request to an XMPP user. */
  sipUriToXmppUser(uri: string | SipUri): string {
    const key = typeof uri === "string" ? uri : uri.format();
    return this.#memo.sipUriToXmppUser.get(key, () => this.#sipUriToXmppUser(uri));
  }

  #sipUriToXmppUser(uri: string | SipUri): string {
    const u = typeof uri === "string" ? SipUri.parse(uri) : uri;
    // A JID has no port, and dropping it would change the address (RFC 3261 section 19.1.4): refuse (decision 9).
    if (u.port !== null) throw new AddressError("port", `An XMPP address has no port: ${u.format()}`);
    const domain = prepareDomainpart(u.host);
    this.#requireXmppDomain(domain, u.format());
    const local = u.user === null ? null : toLocalpart(mapLocalpart(u.user));
    return formatJid({ local, domain, resource: grToResource(u) });
  }

  #requireXmppDomain(domain: string, what: string): void {
    if (domain === this.componentDomain || this.#sipDomains.has(domain)) {
      throw new AddressError(
        "wrong-domain",
        `${what} is at the gateway's or a SIP domain, not an XMPP user's`,
      );
    }
    if (this.#xmppDomains.size > 0 && !this.#xmppDomains.has(domain)) {
      throw new AddressError("wrong-domain", `${what} is not at a configured XMPP domain`);
    }
  }

  /** XEP-0106 section 6: one address, one JID. A JID that maps back to another form is refused. */
  #requireCanonical(input: string, prepared: string, mapBack: () => string): void {
    let back: string;
    try {
      back = mapBack();
    } catch (e) {
      // e.g. `\20bob`: unescapes to " bob", which XEP-0106 section 4.1 rule 6 forbids escaping back.
      if (e instanceof AddressError && e.reason === "escaping") {
        throw new AddressError("non-canonical", `${input} is not a JID this gateway produces: ${e.message}`);
      }
      throw e;
    }
    if (back !== prepared) {
      throw new AddressError(
        "non-canonical",
        `${input} is not the canonical form of that address; use ${back}`,
      );
    }
  }
}

function tryPrepareDomain(domain: string): string | null {
  try {
    return prepareDomainpart(domain);
  } catch {
    return null;
  }
}

/** Escapes an already case-mapped user (XEP-0106) and checks the result is a canonical localpart. */
function toLocalpart(mapped: string): string {
  const local = escapeLocalpart(mapped);
  if (prepareLocalpart(local) !== local) {
    throw new AddressError("escaping", `${JSON.stringify(mapped)} has no canonical escaped localpart`);
  }
  return local;
}

/**
 * RFC 7247, "Instance-Specific Mapping": the XMPP resourcepart corresponds to the GRUU `gr` URI parameter
 * (RFC 5627 section 3.1), e.g. `juliet@example.com/balcony` <-> `sip:juliet@example.com;gr=balcony`. A
 * temporary GRUU's bare `;gr` has no value and no resourcepart can be empty (RFC 7622 section 3.4).
 */
function grToResource(u: SipUri): string | null {
  const gr = u.param("gr");
  if (gr === undefined) return null;
  if (gr === null)
    throw new AddressError("gr-without-value", `A bare ;gr has no resourcepart: ${u.format()}`);
  return prepareResourcepart(gr);
}

function parseHostPort(hostport: string, jid: string): { host: string; port: number | null } {
  let parsed: SipUri;
  try {
    parsed = SipUri.parse(`sip:${hostport}`);
  } catch {
    throw new AddressError("malformed-jid", `${jid} does not encode a SIP host after its last escaped '@'`);
  }
  if (parsed.params.length > 0 || parsed.headers.length > 0 || parsed.user !== null) {
    throw new AddressError("malformed-jid", `${jid} does not encode a SIP host after its last escaped '@'`);
  }
  return { host: parsed.host, port: parsed.port };
}
