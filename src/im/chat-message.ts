/**
 * The neutral model of one pager-mode instant message, between the XMPP and SIP translators:
 * xmpp-message.ts turns a <message/> into it and back, sip-message.ts a SIP MESSAGE. The bridge
 * (im-bridge.ts) only ever sees this model, never a stanza next to a SIP request.
 *
 * A message carries at most one "payload" of its own (a text, a chat state change, or a
 * notification about an earlier message) plus the flags that ask for notifications.
 */

/** XEP-0085 states. RFC 3994 knows only "active" (composing) and "idle". */
export type ChatState = "active" | "composing" | "paused" | "inactive" | "gone";

export interface ChatMessage {
  /** XMPP stanza id / CPIM imdn.Message-ID: what replies, receipts and errors refer to. */
  id: string;
  /** XMPP <thread/>; carried in SIP as a CPIM header when CPIM is used (see docs/im.md). */
  thread?: string | undefined;
  /** The text, as Unicode, already safe for XML (no characters XML 1.0 forbids). */
  body?: string | undefined;
  /** Optional XHTML-IM or text/html rendering of body; never sent without body. */
  html?: string | undefined;
  chatState?: ChatState | undefined;
  /** For RFC 3994: how long the sender says "composing" stays valid (seconds). */
  composingRefresh?: number | undefined;
  /** The sender asks to be told when it is delivered (XEP-0184 request / IMDN positive-delivery). */
  wantsDelivered?: boolean | undefined;
  /** The sender asks to be told when it is displayed (XEP-0333 markable / IMDN display). */
  wantsDisplayed?: boolean | undefined;
  /** This message says that message `id` was delivered (XEP-0184 received / IMDN delivered). */
  deliveredOf?: string | undefined;
  /** This message says that message `id` was displayed (XEP-0333 displayed / IMDN displayed). */
  displayedOf?: string | undefined;
  /** XMPP message type; SIP has none, so SIP -> XMPP uses "chat". */
  type?: "chat" | "normal" | "headline" | undefined;
}

/** True when the message has something a person reads (not only a state or a notification). */
export function hasText(m: ChatMessage): boolean {
  return typeof m.body === "string" && m.body.length > 0;
}
