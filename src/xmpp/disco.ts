/**
 * Service discovery (XEP-0030) answers, as pure data. The component domain is the gateway itself:
 * XEP-0030 lists category "gateway", type "sip" in the registry ("Gateway to a SIP network"). A JID
 * at the component domain with a localpart stands for a SIP user; we present it as a client of
 * type "phone" (the Disco registry's "client/phone": "a client that is a phone"), which is what a
 * SIP user agent is. Features are added by the capabilities that exist (calls add Jingle).
 */
import xml, { type Element } from "@xmpp/xml";

export const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";
export const NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
export const NS_PING = "urn:xmpp:ping";
export const NS_VERSION = "jabber:iq:version";

export interface Identity {
  category: string;
  type: string;
  name?: string;
}

export interface DiscoInfo {
  identities: Identity[];
  features: string[];
}

export function gatewayInfo(name: string, extraFeatures: readonly string[] = []): DiscoInfo {
  return {
    identities: [{ category: "gateway", type: "sip", name }],
    features: sorted([NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, NS_VERSION, ...extraFeatures]),
  };
}

export function sipUserInfo(extraFeatures: readonly string[] = []): DiscoInfo {
  return {
    identities: [{ category: "client", type: "phone", name: "SIP user" }],
    features: sorted([NS_DISCO_INFO, NS_PING, ...extraFeatures]),
  };
}

function sorted(features: string[]): string[] {
  return [...new Set(features)].sort();
}

/** The <query/> of a disco#info result; `node` is echoed as XEP-0030 section 3.2 requires. */
export function discoInfoQuery(info: DiscoInfo, node?: string): Element {
  return xml(
    "query",
    { xmlns: NS_DISCO_INFO, node },
    ...info.identities.map((i) => xml("identity", { category: i.category, type: i.type, name: i.name })),
    ...info.features.map((f) => xml("feature", { var: f })),
  );
}
