/**
 * XMPP -> SIP: the presence of an XMPP user's resources to one PIDF document (docs/presence.md, "XMPP
 * to PIDF"). Pure: no I/O, no logger, no config; the bridge keeps the per-resource states (from
 * `presenceStanzaToState`) and calls this whenever one changes.
 *
 * - One tuple per resource, its id derived from the resource (`tupleIdForResource`): RFC 8048 maps the
 *   XMPP resource to the tuple 'id' (from the author's memory of its mapping table; the RFC text could
 *   not be opened here). Kamailio's pua_xmpp writes one tuple per PUBLISH, and its presence server
 *   aggregates the tuples of several publishers into one NOTIFY the same way (presence_xml
 *   notify_body.c, agregate_xmls), so SIP watchers expect several tuples.
 * - The person carries the most available resource's show (as an RPID activity) and status (see
 *   `formatPidf`).
 * - No resource at all (every resource went offline, or none ever came online) still gives a
 *   document: one closed tuple for the bare JID, so a watcher is told "closed" rather than nothing.
 */
import { formatPidf } from "./pidf.js";
import { UNAVAILABLE, type PresenceState, type ResourcePresence } from "./presence-model.js";

export interface XmppResourcePresence {
  /** The resource part of the full JID the presence came from; "" for the bare JID. */
  resource: string;
  state: PresenceState;
  /** The PIDF <contact/> to give for this resource (an address SIP can reach it at), if any. */
  contact?: string | undefined;
}

const PLAIN_RESOURCE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The PIDF tuple id for an XMPP resource. A tuple id is an xs:ID (RFC 3863 schema), while a resource
 * may hold any Unicode text (RFC 7622 section 3.4), spaces and slashes included. Short resources made
 * of letters, digits, "_" and "-" are kept readable as "r-<resource>"; any other (including the empty
 * bare-JID resource) becomes "rx.<base64url of its UTF-8>". The two forms differ in their second
 * character, so no two resources share an id, and `formatPidf`'s person id "p" is never produced.
 */
export function tupleIdForResource(resource: string): string {
  if (PLAIN_RESOURCE.test(resource)) return `r-${resource}`;
  return `rx.${Buffer.from(resource, "utf8").toString("base64url")}`;
}

export function xmppPresenceToPidf(
  entity: string,
  resources: readonly XmppResourcePresence[],
  options: { timestamp?: Date } = {},
): string {
  const tuples: ResourcePresence[] =
    resources.length > 0
      ? resources.map((r) => ({ id: tupleIdForResource(r.resource), state: r.state, contact: r.contact }))
      : [{ id: tupleIdForResource(""), state: UNAVAILABLE }];
  return formatPidf(entity, tuples, options);
}
