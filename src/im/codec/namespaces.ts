/**
 * The XML namespaces and CPIM header namespaces the IM translators read and write, in one place so a
 * typo cannot make one side of the gateway silently ignore what the other writes.
 */

/** XEP-0085 (Chat State Notifications), section 9. */
export const NS_CHATSTATES = "http://jabber.org/protocol/chatstates";
/** XEP-0184 (Message Delivery Receipts), section 10.1. */
export const NS_RECEIPTS = "urn:xmpp:receipts";
/** XEP-0333 (Chat Markers), section 10.1. */
export const NS_CHAT_MARKERS = "urn:xmpp:chat-markers:0";
/** XEP-0071 (XHTML-IM) wrapper element and the XHTML 1.0 namespace of its <body/>. */
export const NS_XHTML_IM = "http://jabber.org/protocol/xhtml-im";
export const NS_XHTML = "http://www.w3.org/1999/xhtml";

/** RFC 3994 section 10 (XML namespace of application/im-iscomposing+xml). */
export const NS_ISCOMPOSING = "urn:ietf:params:xml:ns:im-iscomposing";
/** RFC 5438 (XML namespace of message/imdn+xml). */
export const NS_IMDN_XML = "urn:ietf:params:xml:ns:imdn";

/** RFC 3862: the namespace of the CPIM headers that need no prefix (From, To, cc, DateTime, Subject, NS, Require). */
export const CPIM_DEFAULT_NS = "urn:ietf:params:cpim-headers:";
/** RFC 5438: the CPIM header namespace of imdn.Message-ID and imdn.Disposition-Notification. */
export const CPIM_IMDN_NS = "urn:ietf:params:imdn";
/**
 * The gateway's own CPIM header namespace for the XMPP <thread/> (no standard CPIM header carries it).
 * `jabber:client` is the namespace of XMPP's <thread/> element itself, so `xmpp.thread` reads as "the
 * XMPP thread". See docs/im.md, "Thread".
 */
export const CPIM_XMPP_NS = "jabber:client";
