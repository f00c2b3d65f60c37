/**
 * A <jingle xmlns='urn:xmpp:jingle:1'/> element's contents <-> the neutral session description model.
 *
 * `parseJingleContents` reads every XEP-0166 <content/> and XEP-0338 <group/> of a
 * session-initiate, session-accept, content-add or transport-info (a transport-info carries contents
 * with only a transport, so `description` is then undefined). A content whose description is not RTP,
 * or whose transport is neither ICE-UDP nor RAW-UDP, keeps `description`/`transport` undefined: the
 * call bridge decides whether to reject it. Anything malformed throws a JingleError (-> bad-request).
 *
 * `jingleContentElements` writes the <content/> and <group/> children to put into a <jingle/> (the
 * <content/> elements carry no xmlns of their own: they take urn:xmpp:jingle:1 from their parent).
 */
import xml, { type Element } from "@xmpp/xml";
import { JingleError } from "./jingle-error.js";
import type { ContentGroup, Creator, JingleContent, JingleSessionDescription } from "./jingle-model.js";
import { parseRtpDescription, parseSenders, rtpDescriptionElement } from "./jingle-rtp.js";
import { parseTransport, transportElement } from "./jingle-transport.js";
import { isField, isToken } from "./media-checks.js";
import { NS_GROUPING, NS_JINGLE, NS_JINGLE_RTP } from "./namespaces.js";

export function parseJingleContents(jingle: Element): JingleSessionDescription {
  if (!jingle.is("jingle", NS_JINGLE))
    throw new JingleError("not a <jingle xmlns='urn:xmpp:jingle:1'/> element");
  const contents = jingle.getChildren("content", NS_JINGLE).map(parseContent);
  const names = new Set<string>();
  for (const c of contents) {
    // XEP-0166, <content/> 'name': it is "unique ... according to the creator"; two equal names would
    // become two m= lines with one a=mid.
    const key = `${c.creator} ${c.name}`;
    if (names.has(key)) throw new JingleError(`two <content/> elements named '${c.name}'`);
    names.add(key);
  }
  return { contents, groups: jingle.getChildren("group", NS_GROUPING).map(parseGroup) };
}

function parseContent(el: Element): JingleContent {
  const name = el.attrs.name;
  // XEP-0166, <content/>: 'name' is REQUIRED. It becomes the SDP a=mid, a token (RFC 5888 section 4).
  if (name === undefined || name === "") throw new JingleError("<content/> without a 'name'");
  if (!isToken(name)) throw new JingleError(`<content/> name '${name.slice(0, 40)}' is not an SDP token`);
  const content: JingleContent = {
    name,
    creator: parseCreator(el.attrs.creator),
    senders: parseSenders(el.attrs.senders, `<content name='${name}'/>`),
  };
  const description = el.getChild("description", NS_JINGLE_RTP);
  if (description) content.description = parseRtpDescription(description);
  const transport = parseTransport(el);
  if (transport) content.transport = transport;
  return content;
}

/**
 * XEP-0166, <content/>: 'creator' is REQUIRED, "initiator" or "responder". A missing one is read as
 * "initiator" (every content of a session-initiate is the initiator's); any other value is an error.
 */
function parseCreator(value: string | undefined): Creator {
  if (value === undefined || value === "initiator") return "initiator";
  if (value === "responder") return "responder";
  throw new JingleError("<content/> 'creator' is not initiator or responder");
}

/** XEP-0338: <group semantics='BUNDLE'><content name='...'/>...</group>. */
function parseGroup(el: Element): ContentGroup {
  const semantics = el.attrs.semantics;
  if (semantics === undefined || !isToken(semantics))
    throw new JingleError("<group/> without a valid 'semantics'");
  const contents = el.getChildren("content", NS_GROUPING).map((c) => {
    const n = c.attrs.name;
    if (n === undefined || !isField(n)) throw new JingleError("<group/> <content/> without a valid 'name'");
    return n;
  });
  return { semantics, contents };
}

/** The <content/> elements, then the <group/> elements, of `desc`. */
export function jingleContentElements(desc: JingleSessionDescription): Element[] {
  return [
    ...desc.contents.map((c) =>
      xml(
        "content",
        { creator: c.creator, name: c.name, senders: c.senders === "both" ? undefined : c.senders },
        c.description ? rtpDescriptionElement(c.description) : null,
        c.transport ? transportElement(c.transport) : null,
      ),
    ),
    ...desc.groups.map((g) =>
      xml(
        "group",
        { xmlns: NS_GROUPING, semantics: g.semantics },
        ...g.contents.map((n) => xml("content", { name: n })),
      ),
    ),
  ];
}
