/**
 * RFC 3863 (PIDF) with the RFC 4479 data model and RFC 4480 (RPID) activities: the
 * application/pidf+xml body, parsed (`parsePidf`) and written (`formatPidf`).
 *
 *     <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:juliet@example.com"
 *               xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
 *               xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid">
 *       <tuple id="r-balcony">                      one per service (per XMPP resource)
 *         <status><basic>open</basic></status>      open | closed
 *         <contact priority="0.5">sip:...</contact> optional
 *         <note>retired to the chamber</note>       any number
 *       </tuple>
 *       <dm:person id="p">                          RFC 4479 section 3.1
 *         <rpid:activities><rpid:away/></rpid:activities>
 *         <dm:note>...</dm:note>
 *       </dm:person>
 *     </presence>
 *
 * Parsing is namespace-aware (any prefix, or a default namespace, may bind any of the namespaces;
 * only the URIs count) and goes through the strict reader of `src/im/codec/xml-reader.ts`: not
 * well-formed, a DOCTYPE (so no entity expansion), more than 64 KiB or 32 levels is a `PidfError`
 * 400. It is strict where the translation depends on the document (the root, the entity, each
 * tuple's id and status) and lenient where nothing can go wrong (docs/presence.md, "Lenient input"):
 * element order (Jitsi, baresip, Asterisk and Cisco put elements out of the schema's order), white
 * space around values, the case of <basic/>, unknown elements, duplicate ids, RPID draft namespaces.
 *
 * The RFC 3863 sentences below are quoted from memory (its text could not be opened here); the
 * structure they describe was checked against the RFC 3863 schema as python-sipsimple ships it.
 */
import xml, { type Element } from "@xmpp/xml";
import {
  MAX_XML_CHARS,
  childElement,
  childElements,
  readXml,
  textContent,
  type XmlElement,
} from "../im/codec/xml-reader.js";
import { xmlSafeText } from "../im/codec/xml-safe-text.js";
import {
  LEGACY_RPID_NAMESPACES,
  NS_LEGACY_PERSON,
  NS_PIDF,
  NS_PIDF_DATA_MODEL,
  NS_RPID,
  XML_LANG_KEY,
} from "./namespaces.js";
import type {
  PidfBasic,
  PidfDevice,
  PidfDocument,
  PidfNote,
  PidfPerson,
  PidfTuple,
} from "./pidf-document.js";
import { PidfError } from "./pidf-error.js";
import { pidfBodyText } from "./pidf-text.js";
import { mostAvailable, type ResourcePresence } from "./presence-model.js";
import { parseQvalue, priorityToQvalue } from "./priority.js";
import { activityForShow } from "./rpid-activities.js";

export const PIDF_CONTENT_TYPE = "application/pidf+xml";
/** The id `formatPidf` gives its <dm:person/>; no tuple may use it (ids are unique per document). */
export const PIDF_PERSON_ID = "p";

/**
 * Parses a PIDF body. `body` is the text, or the bytes (decoded as `pidf-text.ts` says, with the
 * Content-Type's `charset` parameter when the caller has one). Throws `PidfError`.
 */
export function parsePidf(body: string | Uint8Array, options: { charset?: string } = {}): PidfDocument {
  const text = typeof body === "string" ? body : pidfBodyText(body, options.charset);
  if (text.length > MAX_XML_CHARS) {
    throw new PidfError(
      "too-large",
      `PIDF body of ${text.length} characters (the limit is ${MAX_XML_CHARS})`,
    );
  }
  let root: XmlElement;
  try {
    root = readXml(text);
  } catch (e) {
    throw PidfError.from(e, "malformed-xml");
  }
  // RFC 3863 section 4.1.1: "The <presence> element MUST contain a namespace declaration ('xmlns') to
  // indicate the namespace on which the presence document is based." A root in another namespace, or
  // none, is not a PIDF document.
  if (root.ns !== NS_PIDF || root.local !== "presence") {
    throw new PidfError(
      "not-pidf",
      `expected <presence xmlns="${NS_PIDF}">, got <${root.local}> in ${root.ns ?? "no namespace"}`,
    );
  }
  // RFC 3863 section 4.1.1: "The <presence> element MUST have an 'entity' attribute" (the schema's
  // use="required"); the entity is who the document is about, a translation without it has no subject.
  const entity = root.attrs.get("entity")?.trim();
  if (!entity) throw new PidfError("presence-without-entity", "<presence> without an entity attribute");

  const tuples: PidfTuple[] = [];
  const persons: PidfPerson[] = [];
  const devices: PidfDevice[] = [];
  for (const child of childElements(root)) {
    if (child.ns === NS_PIDF && child.local === "tuple") tuples.push(readTuple(child));
    else if (child.local === "person" && (child.ns === NS_PIDF_DATA_MODEL || child.ns === NS_LEGACY_PERSON))
      persons.push(readPerson(child));
    else if (child.ns === NS_PIDF_DATA_MODEL && child.local === "device") devices.push(readDevice(child));
  }
  return { entity, tuples, notes: readNotes(root, NS_PIDF), persons, devices };
}

function readTuple(el: XmlElement): PidfTuple {
  // RFC 3863 section 4.1.2: "The <tuple> element MUST contain an 'id' attribute which is used to
  // distinguish the tuple element from the other tuple elements in the same PRESENCE document."
  const id = el.attrs.get("id")?.trim();
  if (!id) throw new PidfError("tuple-without-id", "a <tuple> without an id (RFC 3863 section 4.1.2)");
  // RFC 3863 section 4.1.2: the <tuple> element contains one <status> element (the schema's only
  // required child); a tuple without one says nothing and is malformed.
  const status = childElement(el, NS_PIDF, "status");
  if (!status) throw new PidfError("tuple-without-status", `<tuple id="${excerpt(id)}"> without a <status>`);
  // RFC 3863 section 4.1.3: "The <status> element contains one optional <basic> element, followed by
  // any number of optional extension elements, under the restriction that at least one child element
  // appears in the <status> element." (python-sipsimple enforces the same: "Status objects must have
  // at least one child".)
  if (childElements(status).length === 0) {
    throw new PidfError("empty-status", `<tuple id="${excerpt(id)}"> has an empty <status> (no <basic>)`);
  }
  const basic = childElement(status, NS_PIDF, "basic");
  const contact = childElement(el, NS_PIDF, "contact");
  return defined<PidfTuple>({
    id,
    basic: basic ? parseBasic(textContent(basic)) : undefined,
    contact: contact ? trimmed(contact) : undefined,
    contactPriority: contact ? parseQvalue(contact.attrs.get("priority")) : undefined,
    notes: readNotes(el, NS_PIDF),
    timestamp: trimmed(childElement(el, NS_PIDF, "timestamp")),
    deviceId: trimmed(childElement(el, NS_PIDF_DATA_MODEL, "deviceID")),
    activities: [...readActivities(el).names, ...readActivities(status).names],
  });
}

function readPerson(el: XmlElement): PidfPerson {
  // Asterisk chan_sip nests the draft activities in <pp:person><status>; RFC 4480 puts them directly.
  const nested = childElements(el).filter((c) => c.local === "status");
  const found = [el, ...nested].map(readActivities);
  return defined<PidfPerson>({
    id: el.attrs.get("id")?.trim() ?? "",
    activities: found.flatMap((f) => f.names),
    activityNotes: found.flatMap((f) => f.notes),
    notes: readNotes(el, NS_PIDF_DATA_MODEL),
    timestamp: trimmed(childElement(el, NS_PIDF_DATA_MODEL, "timestamp")),
  });
}

function readDevice(el: XmlElement): PidfDevice {
  return defined<PidfDevice>({
    id: el.attrs.get("id")?.trim() ?? "",
    deviceId: trimmed(childElement(el, NS_PIDF_DATA_MODEL, "deviceID")),
    notes: readNotes(el, NS_PIDF_DATA_MODEL),
    timestamp: trimmed(childElement(el, NS_PIDF_DATA_MODEL, "timestamp")),
  });
}

/** The activities in the <activities/> children of `container` (RFC 4480 or a draft namespace). */
function readActivities(container: XmlElement): { names: string[]; notes: PidfNote[] } {
  const names: string[] = [];
  const notes: PidfNote[] = [];
  for (const list of childElements(container)) {
    if (list.local !== "activities" || list.ns === null) continue;
    if (list.ns !== NS_RPID && !LEGACY_RPID_NAMESPACES.has(list.ns)) continue;
    for (const a of childElements(list)) {
      if (a.local === "note") {
        const note = readNote(a);
        if (note) notes.push(note);
      } else if (a.local === "activity") {
        // linphone 3.x (RPID draft): <es:activity>on-the-phone</es:activity>
        const name = textContent(a).trim().toLowerCase();
        if (name) names.push(name);
      } else {
        // Any namespace: Cisco puts <ce:dnd/> next to <e:on-the-phone/> in the same list.
        names.push(a.local.toLowerCase());
      }
    }
  }
  return { names, notes };
}

function readNotes(el: XmlElement, ns: string): PidfNote[] {
  return childElements(el, ns)
    .filter((c) => c.local === "note")
    .map(readNote)
    .filter((n): n is PidfNote => n !== undefined);
}

function readNote(el: XmlElement): PidfNote | undefined {
  const text = textContent(el).trim();
  if (text === "") return undefined;
  const lang = el.attrs.get(XML_LANG_KEY);
  return lang ? { text, lang } : { text };
}

/** RFC 3863 section 4.1.4: open or closed; case and surrounding space forgiven, anything else unknown. */
function parseBasic(text: string): PidfBasic | undefined {
  const v = text.trim().toLowerCase();
  return v === "open" || v === "closed" ? v : undefined;
}

function trimmed(el: XmlElement | undefined): string | undefined {
  const t = el ? textContent(el).trim() : "";
  return t === "" ? undefined : t;
}

function excerpt(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** `o` without its undefined properties, so that documents compare and print without noise. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// An ASCII XML NCName: what an xs:ID ('id' of <tuple/> and <dm:person/>) may be, minus non-ASCII.
const XML_ID = /^[A-Za-z_][A-Za-z0-9._-]*$/;

/**
 * Writes a PIDF+RPID document: one tuple per entry (basic open/closed, contact with its priority,
 * the status text as <note/>), and one <dm:person/> carrying the most available entry's show as an
 * RPID activity and its status as <dm:note/> (only when that entry is available and has either).
 * `timestamp`, when given, is written to every tuple and the person. Throws `RangeError` for an empty
 * entity or a tuple id that is not an XML ID or not unique; text is made XML-safe and escaped.
 */
export function formatPidf(
  entity: string,
  tuples: readonly ResourcePresence[],
  options: { timestamp?: Date } = {},
): string {
  if (entity.trim() === "") throw new RangeError("formatPidf: empty entity");
  const ids = new Set([PIDF_PERSON_ID]);
  for (const t of tuples) {
    if (!XML_ID.test(t.id))
      throw new RangeError(`formatPidf: tuple id ${JSON.stringify(t.id)} is not an XML ID`);
    // RFC 3863 section 4.1.2: the 'id' "MUST be unique within the PRESENCE document" (an xs:ID).
    if (ids.has(t.id)) throw new RangeError(`formatPidf: tuple id ${JSON.stringify(t.id)} is not unique`);
    ids.add(t.id);
  }
  const stamp = options.timestamp?.toISOString();
  const best = mostAvailable(tuples.map((t) => t.state));
  const activity = best.available ? activityForShow(best.show) : undefined;
  const note = best.available ? safe(best.status) : undefined;
  const person =
    activity || note
      ? xml(
          "dm:person",
          { id: PIDF_PERSON_ID },
          activity ? xml("rpid:activities", {}, xml(`rpid:${activity}`)) : null,
          note ? xml("dm:note", {}, note) : null,
          stamp ? xml("dm:timestamp", {}, stamp) : null,
        )
      : null;
  const doc = xml(
    "presence",
    { xmlns: NS_PIDF, "xmlns:dm": NS_PIDF_DATA_MODEL, "xmlns:rpid": NS_RPID, entity: xmlSafeText(entity) },
    ...tuples.map((t) => tupleElement(t, stamp)),
    person,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${doc.toString()}`;
}

function tupleElement(t: ResourcePresence, stamp: string | undefined): Element {
  const contact = safe(t.contact);
  const note = safe(t.state.status);
  return xml(
    "tuple",
    { id: t.id },
    xml("status", {}, xml("basic", {}, t.state.available ? "open" : "closed")),
    contact ? xml("contact", { priority: priorityToQvalue(t.state.priority) }, contact) : null,
    note ? xml("note", {}, note) : null,
    stamp ? xml("timestamp", {}, stamp) : null,
  );
}

function safe(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === "" ? undefined : xmlSafeText(text);
}
