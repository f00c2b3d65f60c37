/**
 * The error `stanzaToChatMessage` throws for a <message/> it will not translate. It is a
 * `GatewayError`, so the XMPP adapter's single `toGatewayError` call keeps it as it is and answers with
 * the stanza error it names (RFC 6120 section 8.3), with the message as `<text/>`:
 *
 * - `bad-request` (modify) for a malformed stanza: RFC 6120 section 8.3.3.1, "The sender has sent a
 *   stanza containing XML that does not conform to the appropriate schema or that cannot be processed".
 *   Examples: two chat state elements (XEP-0085 section 5.6: "A message stanza MUST NOT contain more
 *   than one child element qualified by the 'http://jabber.org/protocol/chatstates' namespace"), a chat
 *   marker without an id (XEP-0333 section 6: "The Chat Marker MUST have an 'id'").
 * - `not-acceptable` for a message type the gateway does not carry to SIP (groupchat), as the bridge
 *   does.
 *
 * `reason` is a stable kebab-case token for tests and logs.
 */
import { GatewayError } from "../../errors/gateway-error.js";

export type XmppMessageErrorCondition = "bad-request" | "not-acceptable";

export class XmppMessageError extends GatewayError {
  readonly reason: string;

  constructor(condition: XmppMessageErrorCondition, reason: string, text: string) {
    super({ condition, text, origin: "xmpp" });
    this.name = "XmppMessageError";
    this.reason = reason;
  }

  static malformed(reason: string, text: string): XmppMessageError {
    return new XmppMessageError("bad-request", reason, text);
  }
}
