/**
 * RFC 3994 ("Indication of Message Composition for Instant Messaging"): the
 * `application/im-iscomposing+xml` status message, parsed and written.
 *
 *     <?xml version="1.0" encoding="UTF-8"?>
 *     <isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">
 *       <state>active</state>          idle | active
 *       <lastactive>...</lastactive>   optional, RFC 3339 date-time
 *       <contenttype>...</contenttype> optional, what is being composed (text, audio, a MIME type)
 *       <refresh>60</refresh>          optional, seconds until the active state times out
 *     </isComposing>
 *
 * RFC 3994 section 3.2/3.3 (timers; the RFC text could not be opened here, the values are those two
 * independent implementations use, liblinphone `is-composing.h` and eface2face/iscomposing.js): the
 * composer refreshes `active` every `refresh` seconds, not less than 60; a receiver without a
 * `refresh` falls back to idle after 120 s; idle is sent after 15 s without typing.
 *
 * Parsing is lenient where nothing can go wrong (element order, surrounding white space, the case of
 * the state, unknown elements in other namespaces, a root in no namespace as some test tools send) and
 * strict where it matters (well-formed XML, the root element's name): a body that is not an
 * isComposing document is a `SipBodyError` 400. A `refresh` that is not a positive integer is ignored
 * (treated as absent), since the state itself is still meaningful. A state other than active/idle is
 * returned as written: the caller decides (`sip-message.ts` ignores it).
 */
import xml from "@xmpp/xml";
import { NS_ISCOMPOSING } from "./namespaces.js";
import { SipBodyError } from "./sip-body-error.js";
import { xmlSafeText } from "./xml-safe-text.js";
import { childElements, readXml, textContent } from "./xml-reader.js";

export const ISCOMPOSING_CONTENT_TYPE = "application/im-iscomposing+xml";

/** Not less than this (RFC 3994 section 3.2: the active-state refresh SHOULD NOT be shorter than 60 s). */
export const MIN_REFRESH_SECONDS = 60;

export interface IsComposing {
  /** `active` or `idle` (lower-cased); anything else as written. */
  state: string;
  lastActive?: string | undefined;
  contentType?: string | undefined;
  refresh?: number | undefined;
}

export function parseIsComposing(text: string): IsComposing {
  const root = readXml(text);
  if (root.local !== "isComposing" || (root.ns !== NS_ISCOMPOSING && root.ns !== null)) {
    throw SipBodyError.malformed(
      "not-iscomposing",
      `expected <isComposing xmlns="${NS_ISCOMPOSING}">, got <${root.local}> in ${root.ns ?? "no namespace"}`,
    );
  }
  const fields = new Map<string, string>();
  for (const child of childElements(root, root.ns)) {
    if (!fields.has(child.local)) fields.set(child.local, textContent(child).trim());
  }
  const state = fields.get("state");
  if (state === undefined || state === "") {
    throw SipBodyError.malformed("iscomposing-without-state", "isComposing document without a <state>");
  }
  const lower = state.toLowerCase();
  const refreshText = fields.get("refresh");
  const refresh =
    refreshText !== undefined && /^[0-9]{1,9}$/.test(refreshText) ? Number(refreshText) : undefined;
  return {
    state: lower === "active" || lower === "idle" ? lower : state,
    lastActive: fields.get("lastactive") || undefined,
    contentType: fields.get("contenttype") || undefined,
    refresh: refresh !== undefined && refresh > 0 ? refresh : undefined,
  };
}

/**
 * Writes an isComposing document. Elements in the order of the RFC 3994 schema (state, lastactive,
 * contenttype, refresh); a `refresh` below {@link MIN_REFRESH_SECONDS} is raised to it.
 */
export function formatIsComposing(ic: IsComposing): string {
  const refresh =
    ic.refresh === undefined ? undefined : Math.max(MIN_REFRESH_SECONDS, Math.floor(ic.refresh));
  const doc = xml(
    "isComposing",
    { xmlns: NS_ISCOMPOSING },
    xml("state", {}, xmlSafeText(ic.state)),
    ic.lastActive !== undefined ? xml("lastactive", {}, xmlSafeText(ic.lastActive)) : null,
    ic.contentType !== undefined ? xml("contenttype", {}, xmlSafeText(ic.contentType)) : null,
    refresh !== undefined ? xml("refresh", {}, String(refresh)) : null,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${doc.toString()}`;
}
