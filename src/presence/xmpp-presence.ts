/**
 * XMPP side of presence: a <presence/> stanza to the neutral `PresenceState` and back (RFC 6121
 * section 4.7). Pure: no I/O, no logger, no config. The presence counterpart of
 * `src/im/xmpp-message.ts`.
 *
 *   no 'type' / type "unavailable"  <-> available true / false
 *   <show/> away | chat | dnd | xa  <-> show
 *   <status/>                       <-> status
 *   <priority/>                     <-> priority
 *
 * Subscription management (subscribe, subscribed, unsubscribe, unsubscribed), probes and errors are
 * not availability: `presenceStanzaToState` returns `undefined` for them and the bridge handles them.
 */
import xml, { type Element } from "@xmpp/xml";
import { xmlSafeText } from "../im/codec/xml-safe-text.js";
import { SHOWS, type PresenceState, type Show } from "./presence-model.js";
import { parseXmppPriority } from "./priority.js";

/**
 * Reads the availability a <presence/> stanza announces; `undefined` for presence stanzas that do not
 * announce availability. Throws `RangeError` for an element that is not a <presence/> (a misuse).
 * Lenient where RFC 6121 puts a MUST on the sender and nothing can go wrong on our side: an unknown
 * <show/> value is ignored (plain available), an unreadable <priority/> counts as absent.
 */
export function presenceStanzaToState(stanza: Element): PresenceState | undefined {
  if (stanza.name !== "presence") {
    throw new RangeError(`presenceStanzaToState: expected a <presence/> stanza, got <${stanza.name}/>`);
  }
  const type = stanza.attrs.type;
  if (type !== undefined && type !== "unavailable") return undefined;

  const ns = stanza.getNS();
  const children = stanza.getChildElements().filter((c) => c.getNS() === ns);
  const status = pickStatus(
    stanza,
    children.filter((c) => c.name === "status"),
  );
  if (type === "unavailable")
    return status === undefined ? { available: false } : { available: false, status };

  // RFC 6121 section 4.7.2.1: "If provided, the XML character data value MUST be one of the
  // following" (away, chat, dnd, xa).
  const showText = children
    .find((c) => c.name === "show")
    ?.getText()
    .trim();
  const show = showText !== undefined && SHOWS.has(showText) ? (showText as Show) : undefined;
  // RFC 6121 section 4.7.2.3: "If no priority is provided, the processing server or client MUST
  // consider the priority to be zero ("0")." Absent here; writers and `mostAvailable` read it as 0.
  const priorityEl = children.find((c) => c.name === "priority");
  const priority = priorityEl ? parseXmppPriority(priorityEl.getText()) : undefined;

  const state: PresenceState = { available: true };
  if (show !== undefined) state.show = show;
  if (status !== undefined) state.status = status;
  if (priority !== undefined) state.priority = priority;
  return state;
}

/**
 * RFC 6121 section 4.7.2.2: "Multiple instances of the <status/> element MAY be included, but only if
 * each instance possesses an 'xml:lang' attribute with a distinct language value". The one without
 * xml:lang or in the stanza's language is taken, else the first; empty text counts as none.
 */
function pickStatus(stanza: Element, statuses: Element[]): string | undefined {
  const lang = stanza.attrs["xml:lang"];
  const chosen =
    statuses.find((s) => s.attrs["xml:lang"] === undefined || s.attrs["xml:lang"] === lang) ?? statuses[0];
  const text = chosen?.getText().trim();
  return text ? text : undefined;
}

/**
 * Builds the <presence/> for a state. An unavailable state gives type="unavailable" with at most a
 * <status/> (RFC 6121 section 4.5.1 lets unavailable presence carry one; <show/> and <priority/>
 * describe an available resource and are left out).
 */
export function stateToPresenceStanza(
  state: PresenceState,
  addr: { from: string; to: string },
  caps?: Element,
): Element {
  const stanza = xml("presence", {
    from: addr.from,
    to: addr.to,
    type: state.available ? undefined : "unavailable",
  });
  const status =
    state.status !== undefined && state.status.trim() !== "" ? xmlSafeText(state.status) : undefined;
  if (state.available && state.show !== undefined && SHOWS.has(state.show)) {
    stanza.append(xml("show", {}, state.show));
  }
  if (status !== undefined) stanza.append(xml("status", {}, status));
  if (state.available && state.priority !== undefined && Number.isInteger(state.priority)) {
    stanza.append(xml("priority", {}, String(Math.min(Math.max(state.priority, -128), 127))));
  }
  // XEP-0115: what the SIP user's JID supports (calls), so clients show the call button.
  if (state.available && caps) stanza.append(caps);
  return stanza;
}
