/**
 * SIP -> XMPP: a parsed PIDF document to the one `PresenceState` the gateway announces for the SIP
 * presentity (docs/presence.md, "PIDF to XMPP"). Pure: no I/O, no logger, no config.
 *
 * 1. Availability comes from the tuples' <basic/> (RFC 8048 maps basic "open" to available presence
 *    and "closed" to type="unavailable", as recalled: the RFC text could not be opened here; Kamailio's
 *    pua_xmpp does the same): available when any tuple
 *    is open. Tuples whose status has no usable <basic/> are skipped; a document with no such tuple
 *    (IMSDroid sends persons and devices only) is unavailable.
 * 2. Several tuples: the most available open one (`mostAvailable`: tuple activities, then contact
 *    priority) gives the defaults for show, status and priority. Jitsi and Blink pick one tuple the
 *    same way (the "more reachable" status wins among equal priorities; open before closed).
 * 3. The person (RFC 4479) speaks for the human rather than a device, so its RPID activities, when it
 *    has any, decide <show/> over the tuple's (`showForActivities`, least reachable activity wins), and
 *    its note is preferred as <status/>: person <dm:note/>, then the activities' <rpid:note/>, then
 *    the chosen tuple's <note/>, then a <note/> under <presence/> (Asterisk puts "On the phone" there).
 *    liblinphone prefers person notes over service notes the same way (PresenceModel::getNote).
 * 4. Unavailable: the status text is kept (a closed tuple's note, as Asterisk sends "Unavailable"),
 *    show and priority are not.
 *
 * Notes are taken in document order regardless of xml:lang; one language reaches XMPP.
 */
import type { PidfDocument, PidfNote, PidfTuple } from "./pidf-document.js";
import { availabilityRank, type PresenceState } from "./presence-model.js";
import { qvalueToPriority } from "./priority.js";
import { showForActivities } from "./rpid-activities.js";

export function pidfToPresenceState(doc: PidfDocument): PresenceState {
  const tuples = doc.tuples
    .filter((t) => t.basic !== undefined)
    .map((t) => ({ tuple: t, state: tupleState(t) }));
  const open = tuples.filter((t) => t.state.available);

  const personActivities = doc.persons.flatMap((p) => p.activities);
  const personNote = firstText(doc.persons.flatMap((p) => [...p.notes, ...p.activityNotes]));
  const documentNote = firstText(doc.notes);

  if (open.length === 0) {
    const closedNote = firstText(tuples.flatMap((t) => t.tuple.notes));
    const status = personNote ?? closedNote ?? documentNote;
    return status === undefined ? { available: false } : { available: false, status };
  }

  const best = open.reduce((a, b) => (rankOf(b.state, b.tuple) > rankOf(a.state, a.tuple) ? b : a));
  const state: PresenceState = { available: true };
  const show = showForActivities(personActivities) ?? best.state.show;
  const status = personNote ?? best.state.status ?? documentNote;
  if (show !== undefined) state.show = show;
  if (status !== undefined) state.status = status;
  if (best.state.priority !== undefined) state.priority = best.state.priority;
  return state;
}

/** What one tuple says on its own: its basic status, activities inside it, first note, priority. */
function tupleState(t: PidfTuple): PresenceState {
  const state: PresenceState = { available: t.basic === "open" };
  const show = showForActivities(t.activities);
  const status = firstText(t.notes);
  const priority = qvalueToPriority(t.contactPriority);
  if (state.available && show !== undefined) state.show = show;
  if (status !== undefined) state.status = status;
  if (state.available && priority !== undefined) state.priority = priority;
  return state;
}

/** Availability first, then contact priority (a tuple without one counts as the lowest, 0). */
function rankOf(state: PresenceState, tuple: PidfTuple): number {
  return availabilityRank(state) * 2 + (tuple.contactPriority ?? 0);
}

function firstText(notes: readonly PidfNote[]): string | undefined {
  return notes.find((n) => n.text !== "")?.text;
}
