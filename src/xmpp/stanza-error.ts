/**
 * Builds stanza errors (RFC 6120 section 8.3) and answers a stanza with one.
 *
 * RFC 6120 8.3.1: "The entity that returns an error stanza MUST ... swap the 'from' and 'to'
 * addresses ... and MUST include an <error/> element". We also echo the original payload element
 * of an iq (RFC 6120 8.3.1 allows it) so the requester can correlate, and never answer an error with an error
 * (RFC 6120 8.3.1: "An entity that receives an error stanza MUST NOT respond to the stanza with a
 * further error stanza").
 */
import xml, { type Element } from "@xmpp/xml";

export const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";

export type StanzaErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

export interface StanzaErrorSpec {
  condition: string;
  type: StanzaErrorType;
  text?: string | undefined;
  /** The JID of the entity that generated the error (RFC 6120 8.3.2 'by'). */
  by?: string | undefined;
  /**
   * RFC 6120 8.3.2: "an application-specific condition element MAY be included", e.g. XEP-0166's
   * <unknown-session xmlns='urn:xmpp:jingle:errors:1'/>.
   */
  appCondition?: { name: string; xmlns: string } | undefined;
}

export function errorElement(spec: StanzaErrorSpec): Element {
  return xml(
    "error",
    { type: spec.type, by: spec.by },
    xml(spec.condition, { xmlns: NS_STANZAS }),
    spec.text ? xml("text", { xmlns: NS_STANZAS, "xml:lang": "en" }, spec.text) : null,
    spec.appCondition ? xml(spec.appCondition.name, { xmlns: spec.appCondition.xmlns }) : null,
  );
}

/** The error reply to `stanza`, or null when the stanza is itself an error (never answered). */
export function errorReply(stanza: Element, spec: StanzaErrorSpec): Element | null {
  if (stanza.attrs.type === "error") return null;
  const reply = xml(stanza.name, {
    type: "error",
    id: stanza.attrs.id,
    to: stanza.attrs.from,
    from: stanza.attrs.to,
  });
  if (stanza.name === "iq") {
    const payload = stanza.getChildElements()[0];
    // The payload's element alone (its children are not needed to correlate, and may be large).
    if (payload) reply.append(xml(payload.name, { ...payload.attrs }));
  }
  reply.append(errorElement(spec));
  return reply;
}
