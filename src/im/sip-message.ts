/**
 * SIP side of pager-mode IM: the body of a SIP MESSAGE (RFC 3428) to the neutral ChatMessage and back
 * (docs/im.md has the tables). Pure: no I/O, no logger, no config.
 *
 *   text/plain (any charset), text/html          <-> body (html kept as `html`)
 *   message/cpim (RFC 3862) around any of these  <-> id (imdn.Message-ID), thread (xmpp.thread),
 *                                                    wantsDelivered/wantsDisplayed (imdn.Disposition-Notification)
 *   application/im-iscomposing+xml (RFC 3994)    <-> chatState (active <-> composing, idle <-> paused)
 *   message/imdn+xml (RFC 5438), in CPIM         <-> deliveredOf / displayedOf
 *
 * `sipToChatMessage` throws `SipBodyError` (415 with the Accept list, or 400); `chatMessageToSip`
 * returns `undefined` when there is nothing to send (a "gone" chat state, an empty model).
 */
import type { ChatMessage } from "./chat-message.js";
import { chatPayload } from "./codec/chat-payload.js";
import { decodeText } from "./codec/charset.js";
import { decodeContentEncoding } from "./codec/content-encoding.js";
import { parseContentType, type ContentType } from "./codec/content-type.js";
import { CPIM_CONTENT_TYPE, cpimContentHeader, cpimHeader, formatCpim, parseCpim } from "./codec/cpim.js";
import { htmlToText } from "./codec/html-to-text.js";
import {
  IMDN_CONTENT_TYPE,
  formatDispositionNotification,
  formatImdn,
  parseDispositionNotification,
  parseImdn,
} from "./codec/imdn.js";
import {
  ISCOMPOSING_CONTENT_TYPE,
  MIN_REFRESH_SECONDS,
  formatIsComposing,
  parseIsComposing,
} from "./codec/is-composing.js";
import { toMimeLineBreaks, toXmlLineBreaks } from "./codec/line-breaks.js";
import { CPIM_DEFAULT_NS, CPIM_IMDN_NS } from "./codec/namespaces.js";
import { SipBodyError } from "./codec/sip-body-error.js";
import { THREAD_HEADER, decodeThreadHeader, encodeThreadHeader } from "./codec/thread-header.js";
import { xmlSafeText } from "./codec/xml-safe-text.js";

/** The media types a MESSAGE may carry, for the `Accept` header of a 415 (RFC 3261 section 21.4.13). */
export const ACCEPTED_CONTENT_TYPES: readonly string[] = [
  "text/plain",
  "text/html",
  CPIM_CONTENT_TYPE,
  ISCOMPOSING_CONTENT_TYPE,
  IMDN_CONTENT_TYPE,
];

/** What the gateway sends text as. */
export const TEXT_PLAIN_UTF8 = "text/plain;charset=UTF-8";

export interface SipMessageInput {
  /** The Content-Type header value, `undefined` when absent. */
  contentType: string | undefined;
  /** The body exactly as received (bytes: the charset is the Content-Type's business). */
  body: Uint8Array;
  /** Other request headers, by name (used: Content-Encoding). */
  headers: (name: string) => string | undefined;
}

export function sipToChatMessage(input: SipMessageInput): ChatMessage {
  try {
    return translate(input);
  } catch (e) {
    if (e instanceof SipBodyError) throw e.withAccept(ACCEPTED_CONTENT_TYPES);
    throw e;
  }
}

function translate(input: SipMessageInput): ChatMessage {
  const body = decodeContentEncoding(input.body, input.headers("Content-Encoding"));
  if (input.contentType === undefined || input.contentType.trim() === "") {
    // An empty MESSAGE carries nothing: payload "none", the bridge answers it and drops it.
    if (body.length === 0) return { id: "", type: "chat" };
    // RFC 3261 section 20.15: "The Content-Type header field MUST be present if the body is not empty."
    throw SipBodyError.malformed("missing-content-type", "MESSAGE with a body but no Content-Type");
  }
  const ct = parseContentType(input.contentType);
  switch (ct.mediaType) {
    case "text/plain":
    case "text/html":
      return { id: "", type: "chat", ...text(ct, body) };
    case CPIM_CONTENT_TYPE:
      return fromCpim(body);
    case ISCOMPOSING_CONTENT_TYPE:
      return { id: "", type: "chat", ...isComposing(ct, body) };
    case IMDN_CONTENT_TYPE:
      // RFC 5438 carries IMDNs in CPIM, but liblinphone sends them bare when its chat room does not
      // use CPIM (linphone-desktop#619, linphone-iphone#822): accepted, there is no ambiguity.
      return { id: "", type: "chat", ...imdn(ct, body) };
    default:
      throw SipBodyError.unsupported("unsupported-media-type", `unsupported Content-Type ${ct.mediaType}`);
  }
}

function fromCpim(body: Uint8Array): ChatMessage {
  const msg = parseCpim(body);
  // RFC 2045 section 5.2: without a Content-Type, "plain text in the US-ASCII character set".
  const ct = parseContentType(cpimContentHeader(msg, "Content-Type") ?? "text/plain");
  // liblinphone wrote an unprefixed Message-ID for years ("TODO: Replace by imdnNamespace +
  // .Message-ID" in cpim-chat-message-modifier.cpp) and still reads one: so does the gateway.
  const id =
    cpimHeader(msg, CPIM_IMDN_NS, "Message-ID") ?? cpimHeader(msg, CPIM_DEFAULT_NS, "Message-ID") ?? "";
  const thread = decodeThreadHeader(cpimHeader(msg, THREAD_HEADER.ns, THREAD_HEADER.name));
  const base: ChatMessage = {
    id: xmlSafeText(id),
    type: "chat",
    ...(thread !== undefined ? { thread } : {}),
  };
  switch (ct.mediaType) {
    case "text/plain":
    case "text/html": {
      // RFC 5438: "The IM Sender MUST include the Message-ID header field in the IM for which he wishes
      // to receive an IMDN." Without one there is nothing a notification could refer to: no request.
      const wants = parseDispositionNotification(
        id === "" ? undefined : cpimHeader(msg, CPIM_IMDN_NS, "Disposition-Notification"),
      );
      return {
        ...base,
        ...text(ct, msg.content),
        ...(wants.positiveDelivery ? { wantsDelivered: true } : {}),
        ...(wants.display ? { wantsDisplayed: true } : {}),
      };
    }
    case ISCOMPOSING_CONTENT_TYPE:
      return { ...base, ...isComposing(ct, msg.content) };
    case IMDN_CONTENT_TYPE:
      // An IMDN never asks for an IMDN about itself: any Disposition-Notification on it is ignored.
      return { ...base, ...imdn(ct, msg.content) };
    default:
      throw SipBodyError.unsupported(
        "unsupported-media-type",
        `unsupported content in CPIM: ${ct.mediaType}`,
      );
  }
}

function text(ct: ContentType, body: Uint8Array): Pick<ChatMessage, "body" | "html"> {
  const decoded = xmlSafeText(toXmlLineBreaks(decodeText(body, ct.params.get("charset"))));
  if (ct.mediaType === "text/html") {
    const plain = htmlToText(decoded);
    return plain === "" ? {} : { body: plain, html: decoded };
  }
  return decoded === "" ? {} : { body: decoded };
}

/** The text of an XML body: its charset parameter, else a UTF-16 byte order mark, else UTF-8. */
function xmlText(ct: ContentType, body: Uint8Array): string {
  const bom16 = (body[0] === 0xfe && body[1] === 0xff) || (body[0] === 0xff && body[1] === 0xfe);
  return decodeText(body, ct.params.get("charset") ?? (bom16 ? "utf-16" : "utf-8"));
}

/**
 * RFC 3994 has two states and XEP-0085 five: active is "composing"; idle (sent when the composer
 * stopped typing, RFC 3994 section 3.2) is closest to "paused" ("User had been composing but now has
 * stopped", XEP-0085 section 2). Any other state value is not forwarded.
 */
function isComposing(ct: ContentType, body: Uint8Array): Pick<ChatMessage, "chatState" | "composingRefresh"> {
  const ic = parseIsComposing(xmlText(ct, body));
  if (ic.state === "active")
    return { chatState: "composing", ...(ic.refresh !== undefined ? { composingRefresh: ic.refresh } : {}) };
  if (ic.state === "idle") return { chatState: "paused" };
  return {};
}

/**
 * Positive delivery and display notifications map to XEP-0184 / XEP-0333. The others (failed, error,
 * forbidden, processed, stored) have no XMPP counterpart in the model: payload "none".
 */
function imdn(ct: ContentType, body: Uint8Array): Pick<ChatMessage, "deliveredOf" | "displayedOf"> {
  const n = parseImdn(xmlText(ct, body));
  const of = xmlSafeText(n.messageId);
  if (n.kind === "delivery" && n.status === "delivered") return { deliveredOf: of };
  if (n.kind === "display" && n.status === "displayed") return { displayedOf: of };
  return {};
}

export interface ChatMessageToSipOptions {
  /** Wrap every body in message/cpim (IMDN requests and notifications are always wrapped). */
  cpim: boolean;
  /** SIP URIs (or name-addrs) of the sender and recipient, for the CPIM From and To. */
  from: string;
  to: string;
  now?: Date | undefined;
  /** A fresh, globally unique token, for the Message-ID of what the model gives none for. */
  newId: () => string;
}

export interface SipBody {
  contentType: string;
  body: string;
}

export function chatMessageToSip(m: ChatMessage, opts: ChatMessageToSipOptions): SipBody | undefined {
  switch (chatPayload(m)) {
    case "none":
      return undefined;
    case "text": {
      const content = toMimeLineBreaks(m.body ?? "");
      // RFC 5438 carries its requests in CPIM headers: asking for an IMDN means sending CPIM.
      const disposition = formatDispositionNotification({
        positiveDelivery: m.wantsDelivered === true,
        display: m.wantsDisplayed === true,
      });
      if (!opts.cpim && disposition === undefined) return { contentType: TEXT_PLAIN_UTF8, body: content };
      return cpim(m, opts, { id: messageId(m, opts), disposition, contentType: TEXT_PLAIN_UTF8, content });
    }
    case "displayed":
    case "delivered": {
      const displayed = m.displayedOf !== undefined && m.displayedOf !== "";
      const content = formatImdn({
        messageId: (displayed ? m.displayedOf : m.deliveredOf) ?? "",
        dateTime: dateTime(opts),
        kind: displayed ? "display" : "delivery",
        status: displayed ? "displayed" : "delivered",
      });
      return cpim({ ...m, thread: undefined }, opts, {
        id: opts.newId(),
        contentType: IMDN_CONTENT_TYPE,
        // RFC 5438's examples mark the IMDN part as a notification.
        contentDisposition: "notification",
        content,
      });
    }
    case "chat-state": {
      // RFC 3994 has no "gone" (XEP-0085: the user left the conversation): not forwarded.
      if (m.chatState === "gone") return undefined;
      const content = formatIsComposing(
        m.chatState === "composing"
          ? { state: "active", refresh: m.composingRefresh ?? MIN_REFRESH_SECONDS }
          : { state: "idle" },
      );
      if (!opts.cpim) return { contentType: ISCOMPOSING_CONTENT_TYPE, body: content };
      return cpim(m, opts, { contentType: ISCOMPOSING_CONTENT_TYPE, content });
    }
  }
}

function cpim(
  m: ChatMessage,
  opts: ChatMessageToSipOptions,
  part: {
    id?: string;
    disposition?: string | undefined;
    contentType: string;
    contentDisposition?: string;
    content: string;
  },
): SipBody {
  const imdnHeaders = part.id !== undefined;
  const headers = [
    { name: "From", value: nameAddr(opts.from) },
    { name: "To", value: nameAddr(opts.to) },
    { name: "DateTime", value: dateTime(opts) },
    ...(imdnHeaders ? [{ prefix: "imdn", name: "Message-ID", value: part.id ?? "" }] : []),
    ...(part.disposition !== undefined
      ? [{ prefix: "imdn", name: "Disposition-Notification", value: part.disposition }]
      : []),
    ...(m.thread
      ? [{ prefix: THREAD_HEADER.prefix, name: THREAD_HEADER.name, value: encodeThreadHeader(m.thread) }]
      : []),
  ];
  const namespaces = [
    ...(imdnHeaders ? [{ prefix: "imdn", uri: CPIM_IMDN_NS }] : []),
    ...(m.thread ? [{ prefix: THREAD_HEADER.prefix, uri: THREAD_HEADER.ns }] : []),
  ];
  const body = formatCpim({
    namespaces,
    headers,
    contentHeaders: [
      { name: "Content-Type", value: part.contentType },
      ...(part.contentDisposition ? [{ name: "Content-Disposition", value: part.contentDisposition }] : []),
      { name: "Content-Length", value: String(Buffer.byteLength(part.content, "utf8")) },
    ],
    content: part.content,
  });
  return { contentType: CPIM_CONTENT_TYPE, body };
}

// RFC 3261 section 25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]{1,128}$/;

/**
 * The stanza id is kept as imdn.Message-ID so IMDNs and replies correlate without a table; an id that
 * is not a short token (it could break the CPIM header, or RFC 5438's message-id, an xs:token) is
 * replaced by a fresh one, and the bridge then correlates by the id it finds in the returned body.
 */
function messageId(m: ChatMessage, opts: ChatMessageToSipOptions): string {
  return TOKEN.test(m.id) ? m.id : opts.newId();
}

function nameAddr(uri: string): string {
  return uri.includes("<") ? uri : `<${uri}>`;
}

/** RFC 3862 DateTime: an RFC 3339 date-time; UTC, whole seconds, as liblinphone writes it. */
function dateTime(opts: ChatMessageToSipOptions): string {
  return (opts.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
}
