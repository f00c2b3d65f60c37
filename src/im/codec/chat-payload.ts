/**
 * What a ChatMessage carries, as one word, so both translators (and the bridge) agree on what is sent
 * when a message has more than one thing set. A SIP MESSAGE and a well-formed XMPP message carry one
 * of these at a time; when a model has several, the first in this order wins and the rest is not
 * forwarded (docs/im.md, "Precedence"):
 *
 * 1. `text`: a non-empty body. A chat state next to it is implied by it (XEP-0085 section 5.6: a
 *    content message carries <active/> only; RFC 3994 section 3.3: receiving the message itself ends
 *    the composing state) and receipts/markers next to a body are against XEP-0184 section 7 and
 *    XEP-0333 section 6 ("the message stanza contains only the Chat Marker child element").
 * 2. `displayed`: an XEP-0333 displayed marker / RFC 5438 display notification.
 * 3. `delivered`: an XEP-0184 receipt / RFC 5438 delivery notification.
 * 4. `chat-state`: a chat state change alone (XEP-0085 standalone notification / RFC 3994).
 * 5. `none`: nothing to forward. The bridge answers the request and drops it (a SIP MESSAGE still
 *    gets its 2xx: a sender told 4xx for an IMDN it had to send retries it, see liblinphone#137).
 */
import type { ChatMessage } from "../chat-message.js";

export type ChatPayload = "text" | "displayed" | "delivered" | "chat-state" | "none";

export function chatPayload(m: ChatMessage): ChatPayload {
  if (typeof m.body === "string" && m.body.length > 0) return "text";
  if (m.displayedOf !== undefined && m.displayedOf !== "") return "displayed";
  if (m.deliveredOf !== undefined && m.deliveredOf !== "") return "delivered";
  if (m.chatState !== undefined) return "chat-state";
  return "none";
}
