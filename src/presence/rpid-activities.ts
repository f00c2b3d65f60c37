/**
 * RFC 4480 activities <-> XMPP <show/> (RFC 6121 section 4.7.2.1). Neither specification maps one to
 * the other and the RFC 8048 text could not be opened here, so both tables are the gateway's choice,
 * written out in docs/presence.md ("Activities and show") with the implementations they agree with.
 *
 * SIP -> XMPP: each activity says how reachable the person is; with several activities (RFC 4480
 * allows "travel" and "meal" at once) the least reachable one wins, because a person who is both at a
 * meal and on the phone cannot take a call. Activities with no bearing on reachability ("working",
 * "other", "unknown", and anything not listed) give no <show/>.
 *
 * XMPP -> SIP: away and xa -> <rpid:away/>, dnd -> <rpid:busy/>, chat and plain available -> no
 * activity (RFC 4480 has nothing for "eager to chat"). Those are the activities the SIP clients whose
 * readers were checked understand: liblinphone (all RFC 4480 names), Jitsi (away, busy, on-the-phone),
 * baresip (away, busy, on-the-phone by string match on the `rpid:` prefix).
 */
import type { Show } from "./presence-model.js";

/** The show each known activity maps to; `null`: known, and says nothing about reachability. */
const ACTIVITY_SHOW: Readonly<Record<string, Show | null>> = {
  // RFC 4480 section 3.2, the activities of its schema.
  away: "away",
  appointment: "dnd",
  busy: "dnd",
  meeting: "dnd",
  "on-the-phone": "dnd",
  performance: "dnd",
  presentation: "dnd",
  steering: "dnd",
  worship: "dnd",
  breakfast: "away",
  dinner: "away",
  meal: "away",
  shopping: "away",
  "in-transit": "away",
  playing: "away",
  spectator: "away",
  tv: "away",
  holiday: "xa",
  vacation: "xa",
  sleeping: "xa",
  travel: "xa",
  "permanent-absence": "xa",
  "looking-for-work": null,
  working: null,
  other: null,
  unknown: null,
  // Not RFC 4480, written by real generators:
  lunch: "away", // liblinphone's activity list (presence-activity.cpp) has "lunch"
  onthephone: "dnd", // Doubango IMSDroid's test document spells on-the-phone this way
  dnd: "dnd", // Cisco <ce:dnd/> inside <e:activities/>
  available: null, // Cisco <ce:available/>; Blink's <rpid:other>available</rpid:other> arrives as "other"
};

/** Least reachable first: the order in which a show wins over the others when activities disagree. */
const RESTRICTIVENESS: readonly Show[] = ["dnd", "xa", "away"];

/** The XMPP show for a person's activities (names as `parsePidf` returns them), or undefined. */
export function showForActivities(activities: readonly string[]): Show | undefined {
  const shows = new Set<Show>();
  for (const a of activities) {
    const show = ACTIVITY_SHOW[a.toLowerCase()];
    if (show) shows.add(show);
  }
  return RESTRICTIVENESS.find((s) => shows.has(s));
}

/** The RPID activity to write for an XMPP show, or undefined for none. */
export function activityForShow(show: Show | undefined): "away" | "busy" | undefined {
  switch (show) {
    case "away":
    case "xa":
      return "away";
    case "dnd":
      return "busy";
    default:
      return undefined;
  }
}

/** True when `name` is an activity this module knows (RFC 4480 or one of the listed variants). */
export function isKnownActivity(name: string): boolean {
  return Object.hasOwn(ACTIVITY_SHOW, name.toLowerCase());
}
