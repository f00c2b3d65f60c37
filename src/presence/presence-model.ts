/**
 * The neutral model of presence between the XMPP and SIP translators, the presence counterpart of
 * `src/im/chat-message.ts`: `xmpp-presence.ts` turns a <presence/> into a `PresenceState` and back,
 * `pidf-to-xmpp.ts` reads one out of a PIDF document, `xmpp-to-pidf.ts` writes PIDF from several.
 *
 * A `PresenceState` is what one XMPP resource or one PIDF tuple says; the shape is XMPP's (RFC 6121
 * section 4.7) because that is the poorer vocabulary: everything PIDF can say beyond it is mapped down
 * to it (docs/presence.md has the tables).
 */

/** RFC 6121 section 4.7.2.1: the availability sub-states; absent means plain "available". */
export type Show = "away" | "chat" | "dnd" | "xa";

export interface PresenceState {
  /** XMPP: no 'type' (true) or type "unavailable" (false). PIDF: <basic>open</basic> or closed. */
  available: boolean;
  /** Only meaningful when available; undefined is plain "online". */
  show?: Show | undefined;
  /** Human-readable status text: XMPP <status/>, PIDF <note/>. */
  status?: string | undefined;
  /** XMPP <priority/>, an integer -128..127 (RFC 6121 section 4.7.2.3); undefined means 0. */
  priority?: number | undefined;
}

/** One XMPP resource, or one PIDF tuple, with its state: what `formatPidf` writes a tuple from. */
export interface ResourcePresence {
  /** The PIDF tuple id (an XML ID: see `tupleIdForResource` for XMPP resources). */
  id: string;
  state: PresenceState;
  /** The PIDF <contact/> URI of the tuple, when there is one to give. */
  contact?: string | undefined;
}

export const UNAVAILABLE: PresenceState = Object.freeze({ available: false });

export const SHOWS: ReadonlySet<string> = new Set<Show>(["away", "chat", "dnd", "xa"]);

/**
 * How available a state is, higher is more: chat 5, plain available 4, away 3, xa 2, dnd 1,
 * unavailable 0. RFC 6121 orders nothing; this order is the gateway's (docs/presence.md, "Most
 * available"): "chat" asks for contact, dnd asks not to be contacted at all, xa only says that the
 * person has been gone for a while. Jitsi ranks its SIP states the same way (SipStatusEnum: Online 65,
 * Away 40, On the phone 31, Busy (DND) 30, Offline 0).
 */
export function availabilityRank(state: PresenceState): number {
  if (!state.available) return 0;
  switch (state.show) {
    case "chat":
      return 5;
    case undefined:
      return 4;
    case "away":
      return 3;
    case "xa":
      return 2;
    case "dnd":
      return 1;
  }
}

/**
 * The most available of several states (several XMPP resources, several PIDF tuples): the highest
 * `availabilityRank`, then the highest priority, then the first given. `UNAVAILABLE` for none.
 */
export function mostAvailable(states: readonly PresenceState[]): PresenceState {
  let best: PresenceState | undefined;
  for (const s of states) {
    if (best === undefined) {
      best = s;
      continue;
    }
    const byRank = availabilityRank(s) - availabilityRank(best);
    if (byRank > 0 || (byRank === 0 && (s.priority ?? 0) > (best.priority ?? 0))) best = s;
  }
  return best ?? UNAVAILABLE;
}
