/**
 * The iqs the component answers for itself and for the JIDs that stand for SIP users:
 * disco#info and disco#items (XEP-0030), ping (XEP-0199) and software version (XEP-0092).
 * Every other iq get/set gets service-unavailable from xmpp.js's iq callee (RFC 6120 section
 * 8.2.3: "... MUST return an error of <service-unavailable/>" for an unknown payload namespace).
 */
import xml, { type Element } from "@xmpp/xml";
import type { ComponentLink } from "./component-link.js";
import {
  discoInfoQuery,
  gatewayInfo,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_PING,
  NS_VERSION,
  sipUserInfo,
} from "./disco.js";
import { GatewayError } from "../errors/gateway-error.js";
import { CAPS_NODE, capsVerification } from "./caps.js";

export interface ServiceInfo {
  name: string;
  version: string;
  /** Throws (AddressError) when `jid`'s localpart does not stand for a valid SIP user. */
  checkSipUser(jid: string): void;
  /** Extra disco features of user JIDs, added by the capabilities that exist (calls, chat). */
  userFeatures?: () => readonly string[];
}

interface Target {
  local: string;
  resource: string;
}

function targetOf(stanza: Element, domain: string): Target {
  const to = stanza.attrs.to ?? domain;
  const slash = to.indexOf("/");
  const bare = slash >= 0 ? to.slice(0, slash) : to;
  const resource = slash >= 0 ? to.slice(slash + 1) : "";
  const at = bare.lastIndexOf("@");
  return { local: at >= 0 ? bare.slice(0, at) : "", resource };
}

export function registerServiceHandlers(link: ComponentLink, info: ServiceInfo): void {
  const domain = link.domain;

  /** The gateway or a SIP user; throws jid-malformed for a JID that cannot stand for one. */
  const resolve = (stanza: Element): Target => {
    const target = targetOf(stanza, domain);
    if (target.local) info.checkSipUser(stanza.attrs.to ?? "");
    return target;
  };

  link.onIq("get", NS_DISCO_INFO, "query", (stanza, query) => {
    const target = resolve(stanza);
    const node = query.attrs.node as string | undefined;
    const result = target.local ? sipUserInfo(info.userFeatures?.() ?? []) : gatewayInfo(info.name);
    // XEP-0115 section 6.2: the caps node "node#ver" is answered with the same identity and features.
    if (node === `${CAPS_NODE}#${capsVerification(result)}`) return discoInfoQuery(result, node);
    // XEP-0030 section 3.2: a node the entity does not know gets item-not-found.
    if (node) throw GatewayError.xmpp("item-not-found", `no such node: ${node}`);
    return discoInfoQuery(result);
  });

  link.onIq("get", NS_DISCO_ITEMS, "query", (stanza, query) => {
    resolve(stanza);
    if (query.attrs.node) throw GatewayError.xmpp("item-not-found", `no such node: ${query.attrs.node}`);
    return xml("query", { xmlns: NS_DISCO_ITEMS });
  });

  link.onIq("get", NS_PING, "ping", (stanza) => {
    const target = resolve(stanza);
    // RFC 6121 section 8.5.3.2.1: an iq to a full JID with no such resource gets
    // service-unavailable. A SIP user has no XMPP resources the gateway could answer for.
    if (target.resource) throw GatewayError.xmpp("service-unavailable");
    return true;
  });

  link.onIq("get", NS_VERSION, "query", (stanza) => {
    const target = resolve(stanza);
    // XEP-0092 describes the software of an entity: the gateway's; SIP users' software is unknown.
    if (target.local) throw GatewayError.xmpp("service-unavailable");
    // XEP-0092 section 4 (security): the <os/> element is optional and may reveal too much; omitted.
    return xml("query", { xmlns: NS_VERSION }, xml("name", {}, info.name), xml("version", {}, info.version));
  });
}
