/**
 * XEP-0353 Jingle Message Initiation, as pure data: the <propose/>, <ringing/>, <proceed/>,
 * <accept/>, <reject/>, <retract/> and <finish/> messages that set a call up before (and end it
 * after) the Jingle session itself.
 *
 * XEP-0353 section 3: "All message stanzas exchanged by this protocol MUST be of type="chat" and
 * contain XEP-0334 <store/> hints." The <propose/> "MUST possess an 'id' attribute" that "will also be
 * used for the session invitation of XEP-0166 later on" (the Jingle sid); <reject/>, <retract/> and
 * <finish/> "MUST contain a <reason/> element as defined in XEP-0166 section 7.4".
 */
import xml, { type Element } from "@xmpp/xml";
import { isJingleCondition, type JingleCondition } from "./call-reasons.js";
import { NS_JINGLE, NS_JINGLE_MESSAGE, NS_JINGLE_RTP } from "./namespaces.js";

export const NS_HINTS = "urn:xmpp:hints";

export type JmiAction = "propose" | "ringing" | "proceed" | "accept" | "reject" | "retract" | "finish";
const ACTIONS: readonly string[] = ["propose", "ringing", "proceed", "accept", "reject", "retract", "finish"];

export interface JmiMessage {
  action: JmiAction;
  /** The session id (the Jingle sid). */
  id: string;
  /** propose: the media of each <description/> (e.g. ["audio"]). */
  media: string[];
  /** reject, retract, finish: the XEP-0166 reason condition, when there is a known one. */
  reason?: JingleCondition;
}

/** The JMI element of a message, or undefined when it carries none. Throws on a JMI element without id. */
export function parseJmi(message: Element): JmiMessage | undefined {
  const el = message
    .getChildElements()
    .find((c) => c.attrs.xmlns === NS_JINGLE_MESSAGE && ACTIONS.includes(c.name));
  if (!el) return undefined;
  const id = el.attrs.id as string | undefined;
  if (!id) throw new JmiError(`<${el.name}/> without an id`);
  const media = el
    .getChildren("description")
    .filter((d) => d.attrs.xmlns === NS_JINGLE_RTP)
    .map((d) => String(d.attrs.media ?? ""));
  const reason = parseReason(el.getChild("reason", NS_JINGLE));
  return { action: el.name as JmiAction, id, media, ...(reason ? { reason } : {}) };
}

export class JmiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JmiError";
  }
}

/** The condition of a XEP-0166 <reason/> element, if it names a known one. */
export function parseReason(reason: Element | undefined): JingleCondition | undefined {
  if (!reason) return undefined;
  const name = reason.getChildElements().find((c) => c.name !== "text" && isJingleCondition(c.name))?.name;
  return name as JingleCondition | undefined;
}

export function reasonElement(condition: JingleCondition, text?: string): Element {
  return xml("reason", { xmlns: NS_JINGLE }, xml(condition), text ? xml("text", {}, text) : null);
}

/** A JMI message (type chat, with a store hint) from `from` to `to`. */
export function jmiMessage(
  from: string,
  to: string,
  action: JmiAction,
  id: string,
  opts: { reason?: JingleCondition; media?: string[]; messageId?: string } = {},
): Element {
  const child = xml(action, { xmlns: NS_JINGLE_MESSAGE, id });
  if (action === "propose") {
    for (const m of opts.media ?? ["audio"])
      child.append(xml("description", { xmlns: NS_JINGLE_RTP, media: m }));
  }
  if (opts.reason) child.append(reasonElement(opts.reason));
  return xml(
    "message",
    { from, to, type: "chat", id: opts.messageId ?? `jmi-${action}-${id}` },
    child,
    xml("store", { xmlns: NS_HINTS }),
  );
}
