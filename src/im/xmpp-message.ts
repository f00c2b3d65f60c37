/**
 * XMPP side of pager-mode IM: a <message/> stanza to the neutral ChatMessage and back (docs/im.md has
 * the tables). Pure: no I/O, no logger, no config.
 *
 *   <body/>, <thread/>, id, type              <-> body, thread, id, type
 *   XEP-0085 <active/composing/paused/...>    <-> chatState
 *   XEP-0184 <request/> / <received id/>      <-> wantsDelivered / deliveredOf
 *   XEP-0333 <markable/> / <displayed id/>    <-> wantsDisplayed / displayedOf
 *   XEP-0071 <html><body xmlns=xhtml/></html>  -> html (and the text when there is no <body/>)
 *
 * Malformed stanzas throw `XmppMessageError` (a `GatewayError`: `bad-request`, or `not-acceptable`
 * for groupchat), which the XMPP adapter turns into the stanza error.
 */
import xml, { type Element } from "@xmpp/xml";
import type { ChatMessage, ChatState } from "./chat-message.js";
import { chatPayload } from "./codec/chat-payload.js";
import { htmlToText } from "./codec/html-to-text.js";
import { toXmlLineBreaks } from "./codec/line-breaks.js";
import { NS_CHAT_MARKERS, NS_CHATSTATES, NS_RECEIPTS, NS_XHTML, NS_XHTML_IM } from "./codec/namespaces.js";
import { xmlSafeText } from "./codec/xml-safe-text.js";
import { XmppMessageError } from "./codec/xmpp-message-error.js";

const CHAT_STATES: ReadonlySet<string> = new Set<ChatState>([
  "active",
  "composing",
  "paused",
  "inactive",
  "gone",
]);

/** Reads a <message/> into the model. Throws `XmppMessageError` for what it will not translate. */
export function stanzaToChatMessage(stanza: Element): ChatMessage {
  if (stanza.name !== "message") {
    throw XmppMessageError.malformed("not-a-message", `expected a <message/> stanza, got <${stanza.name}/>`);
  }
  const type = stanza.attrs.type;
  // RFC 6120 section 8.3.1: an error stanza is never answered with an error; the bridge handles
  // bounces before calling this, so reaching here is a misuse, reported as such.
  if (type === "error")
    throw XmppMessageError.malformed("error-stanza", "an error stanza is not a message to translate");
  if (type === "groupchat") {
    throw new XmppMessageError("not-acceptable", "groupchat", "group chat messages are not carried to SIP");
  }
  const id = stanza.attrs.id ?? "";
  const ns = stanza.getNS();
  const children = stanza.getChildElements();
  const inNs = (el: Element, want: string | undefined) => el.getNS() === want;

  const body = pickBody(
    stanza,
    children.filter((c) => c.name === "body" && inNs(c, ns)),
  );
  const threadEl = children.find((c) => c.name === "thread" && inNs(c, ns));
  const thread = threadEl && threadEl.getText() !== "" ? xmlSafeText(threadEl.getText()) : undefined;

  // XEP-0085 section 5.6: "A message stanza MUST NOT contain more than one child element qualified by
  // the 'http://jabber.org/protocol/chatstates' namespace."
  const states = children.filter((c) => inNs(c, NS_CHATSTATES));
  if (states.length > 1) {
    throw XmppMessageError.malformed(
      "several-chat-states",
      "more than one chat state in one message (XEP-0085 section 5.6)",
    );
  }
  const stateName = states[0]?.name;
  const chatState =
    stateName !== undefined && CHAT_STATES.has(stateName) ? (stateName as ChatState) : undefined;

  const receipt = children.find((c) => c.name === "received" && inNs(c, NS_RECEIPTS));
  let deliveredOf: string | undefined;
  if (receipt) {
    // XEP-0184 1.0 had the ack mirror the message's id instead of carrying its own 'id' attribute.
    deliveredOf = receipt.attrs.id || id;
    if (!deliveredOf)
      throw XmppMessageError.malformed("receipt-without-id", "a <received/> receipt with no id to refer to");
  }
  const marker = (name: string): string | undefined => {
    const el = children.find((c) => c.name === name && inNs(c, NS_CHAT_MARKERS));
    if (!el) return undefined;
    // XEP-0333 section 6: "The Chat Marker MUST have an 'id' which is the 'id' of the message being marked."
    if (!el.attrs.id)
      throw XmppMessageError.malformed(
        "marker-without-id",
        `a <${name}/> chat marker without an id (XEP-0333 section 6)`,
      );
    return el.attrs.id;
  };
  const displayedOf = marker("displayed");
  deliveredOf ??= marker("received");

  // XEP-0184 section 5.4: "an entity MUST NOT include a receipt request (i.e., the <request/> element)
  // in an ack message"; XEP-0333 section 5.3: "an entity MUST NOT send a Chat Marker to mark up to a
  // Chat Marker". A request inside an ack or marker is therefore ignored, not forwarded.
  const isAck = deliveredOf !== undefined || displayedOf !== undefined;
  const wantsDelivered = !isAck && children.some((c) => c.name === "request" && inNs(c, NS_RECEIPTS));
  const wantsDisplayed = !isAck && children.some((c) => c.name === "markable" && inNs(c, NS_CHAT_MARKERS));

  const xhtml = children.find((c) => c.name === "html" && inNs(c, NS_XHTML_IM))?.getChild("body", NS_XHTML);
  const html = xhtml ? xmlSafeText(xhtml.toString()) : undefined;
  // XEP-0071 section 4: "the meaning (as opposed to markup) of the message MUST always be represented
  // as best as possible in the normal <body/>"; a sender that left it out gets the XHTML's text.
  const text = body ?? (html !== undefined ? htmlToText(html) : undefined);

  return compact({
    id,
    // RFC 6121 section 5.2.2: "If an application receives a message with no 'type' attribute or the
    // application does not understand the value of the 'type' attribute provided, it MUST consider the
    // message to be of type "normal"".
    type: type === "chat" || type === "headline" ? type : "normal",
    thread,
    body: text !== undefined && text !== "" ? text : undefined,
    html: text !== undefined && text !== "" ? html : undefined,
    chatState,
    wantsDelivered: wantsDelivered || undefined,
    wantsDisplayed: wantsDisplayed || undefined,
    deliveredOf,
    displayedOf,
  });
}

/**
 * RFC 6121 section 5.2.3 allows several <body/> elements in different languages: the one without
 * xml:lang (or in the stanza's language) is taken, else the first.
 */
function pickBody(stanza: Element, bodies: Element[]): string | undefined {
  if (bodies.length === 0) return undefined;
  const lang = stanza.attrs["xml:lang"];
  const chosen =
    bodies.find((b) => b.attrs["xml:lang"] === undefined || b.attrs["xml:lang"] === lang) ?? bodies[0];
  return chosen ? xmlSafeText(toXmlLineBreaks(chosen.getText())) : undefined;
}

/** Builds the <message/> for a model. Throws `RangeError` when the model has nothing to send. */
export function chatMessageToStanza(m: ChatMessage, addr: { from: string; to: string }): Element {
  const payload = chatPayload(m);
  if (payload === "none")
    throw new RangeError("chatMessageToStanza: the message has nothing to send (chatPayload none)");
  const type = m.type ?? "chat";
  const stanza = xml("message", { type, from: addr.from, to: addr.to, id: m.id || undefined });
  const thread = m.thread !== undefined && m.thread !== "" ? xml("thread", {}, xmlSafeText(m.thread)) : null;

  switch (payload) {
    case "text":
      stanza.append(
        ...[
          thread,
          xml("body", {}, xmlSafeText(toXmlLineBreaks(m.body ?? ""))),
          // XEP-0085 section 5.1 rule 1: "If the User desires chat state notifications, the initial
          // content message sent to the Contact MUST contain a chat state notification extension,
          // which SHOULD be <active/>"; section 5.3: "every content message SHOULD contain an <active/>
          // notification"; section 5.4: not with types other than chat.
          type === "chat" ? xml("active", { xmlns: NS_CHATSTATES }) : null,
          // XEP-0184 section 7 / XEP-0333 section 6: "A sender MUST include an 'id' attribute on every
          // content message that requests a receipt" / "on every markable message": no id, no request.
          m.wantsDelivered && m.id ? xml("request", { xmlns: NS_RECEIPTS }) : null,
          m.wantsDisplayed && m.id ? xml("markable", { xmlns: NS_CHAT_MARKERS }) : null,
        ].filter((c): c is Element => c !== null),
      );
      break;
    case "displayed":
      // XEP-0333 section 6: "The Chat Marker message stanza MUST have a 'thread' child element if the
      // message has been ... displayed ... in the context of a thread."
      if (thread) stanza.append(thread);
      stanza.append(xml("displayed", { xmlns: NS_CHAT_MARKERS, id: xmlSafeText(m.displayedOf ?? "") }));
      break;
    case "delivered":
      // XEP-0184 section 7: the ack message "SHOULD ... contain only one child element, namely the
      // <received/> element".
      stanza.append(xml("received", { xmlns: NS_RECEIPTS, id: xmlSafeText(m.deliveredOf ?? "") }));
      break;
    case "chat-state":
      // XEP-0085 section 5.6: a standalone notification "MUST NOT contain any child elements other than
      // the chat state notification extension" (and <thread/> when threads are used).
      if (thread) stanza.append(thread);
      stanza.append(xml(m.chatState ?? "active", { xmlns: NS_CHATSTATES }));
      break;
  }
  return stanza;
}

function compact(m: ChatMessage): ChatMessage {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) if (v !== undefined) out[k] = v;
  return out as unknown as ChatMessage;
}
