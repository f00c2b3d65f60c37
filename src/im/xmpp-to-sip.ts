/**
 * XMPP -> SIP: a <message/> to a JID that stands for a SIP user becomes a SIP MESSAGE (RFC 7572
 * section 4), and the SIP final response comes back as an error stanza or a receipt.
 *
 *   <message to=bob@sip.example.com id=X>  --MESSAGE sip:bob@sip.example.com-->  SIP UA
 *   <message type=error id=X>  <-- 4xx-6xx (RFC 7247 section 7 table) --------
 *   <received id=X/> (XEP-0184) <-- 200 from the UA (not 202: RFC 3428 section 7, a 202 only says
 *                                    an intermediary accepted it) ------------
 *
 * Also here, because they arrive as <message/> too: chat states (to isComposing), receipts and
 * displayed markers for messages that came from SIP (to IMDN), and error bounces of messages the
 * gateway delivered from SIP (to a notice for their SIP sender).
 */
import type { Element } from "@xmpp/xml";
import { GatewayError } from "../errors/gateway-error.js";
import { errorReply } from "../xmpp/stanza-error.js";
import { hasText, type ChatMessage } from "./chat-message.js";
import type { FromSip, ImContext } from "./im-ports.js";
import { sendSipMessage } from "./send-sip-message.js";
import { stanzaToChatMessage } from "./xmpp-message.js";
import xml from "@xmpp/xml";

const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";

function bareOf(jid: string): string {
  const slash = jid.indexOf("/");
  return slash < 0 ? jid : jid.slice(0, slash);
}

export class XmppToSip {
  constructor(private readonly ctx: ImContext) {}

  /** For ComponentLink.onStanza: takes messages to SIP users' JIDs. */
  readonly handle = async (stanza: Element): Promise<boolean> => {
    if (stanza.name !== "message") return false;
    const to = stanza.attrs.to ?? "";
    const from = stanza.attrs.from ?? "";
    if (!to.includes("@") || !from) return false;
    const type = stanza.attrs.type ?? "normal";

    // RFC 6120 8.3.1: an error is never answered with an error. An error about a message the gateway
    // delivered from SIP goes back to its SIP sender.
    if (type === "error") {
      await this.bounceToSip(stanza);
      return true;
    }
    if (type === "groupchat") {
      // No multiparty chat with SIP users yet (RFC 7702 comes later): not-acceptable, as RFC 6121
      // section 5.2.2 lets a recipient refuse a type it does not take.
      throw GatewayError.xmpp("not-acceptable", "group chat with SIP users is not supported");
    }
    if (type !== "headline") return this.deliver(stanza, from, to, false);
    // A headline is never answered (RFC 6121 section 5.2.2: "the recipient SHOULD NOT reply"): what
    // would become an error stanza is only logged.
    try {
      return await this.deliver(stanza, from, to, true);
    } catch (e) {
      this.ctx.log.debug("headline not delivered", { from, to, error: String(e) });
      return true;
    }
  };

  /** Throws GatewayErrors (malformed payload, address, limits), which ComponentLink answers. */
  private async deliver(stanza: Element, from: string, to: string, headline: boolean): Promise<boolean> {
    const debug = (msg: string, meta: object) => {
      if (this.ctx.log.isDebugEnabled())
        this.ctx.log.child({ jid: from, to, id: stanza.attrs.id }).debug(msg, meta);
    };
    const m: ChatMessage = stanzaToChatMessage(stanza);
    const sipTo = this.ctx.addresses.jidToSipUser(to);
    const sipFrom = this.ctx.addresses.xmppUserToSipUri(from);

    if (!this.ctx.limiter.take(`xmpp:${bareOf(from)}`)) {
      throw GatewayError.xmpp("resource-constraint", "too many messages; slow down");
    }

    // A receipt or displayed marker about a message that came from SIP: an IMDN when the SIP
    // sender asked for one (RFC 5438 section 7), nothing otherwise (its 202 was all it gets).
    if (m.deliveredOf !== undefined || m.displayedOf !== undefined) {
      await this.notifySip(m, from, to);
      if (!hasText(m)) return true;
    }

    if (!hasText(m)) {
      // A chat state alone: isComposing (RFC 3994). Best effort: a peer that does not support it
      // answers 415, which must not become an error in the user's conversation.
      if (m.chatState === undefined || m.chatState === "gone") return true;
      const res = await sendSipMessage(
        this.ctx,
        { ...m, wantsDelivered: false, wantsDisplayed: false },
        sipFrom,
        sipTo,
      );
      if (res.status >= 300) debug("chat state not taken", { status: res.status });
      return true;
    }

    const size = Buffer.byteLength(m.body ?? "", "utf8");
    if (size > this.ctx.settings.maxMessageSize) {
      throw GatewayError.xmpp(
        "policy-violation",
        `message too large (${size} bytes, limit ${this.ctx.settings.maxMessageSize})`,
      );
    }

    // IMDN needs CPIM on the SIP side; without it the 200 rule alone gives receipts.
    const cpim = this.ctx.settings.cpim;
    const out: ChatMessage = {
      ...m,
      wantsDelivered: cpim && m.wantsDelivered === true,
      wantsDisplayed: cpim && m.wantsDisplayed === true,
    };
    const res = await sendSipMessage(this.ctx, out, sipFrom, sipTo);
    debug("MESSAGE answered", { status: res.status });
    if (headline) return true;

    if (res.status >= 300) {
      const g = GatewayError.fromSipStatus(res.status, `SIP ${res.status} ${res.reason}`.trim());
      const reply = errorReply(stanza, { condition: g.condition, type: g.type, text: g.text, by: to });
      if (reply) await this.ctx.xmpp.send(reply);
      return true;
    }
    const delivered = res.status === 200 && m.wantsDelivered === true;
    if (delivered) await this.ctx.xmpp.send(receipt(to, from, m.id));
    if (m.id && (m.wantsDelivered || m.wantsDisplayed)) {
      this.ctx.fromXmpp.set(m.id, {
        jid: from,
        peer: to,
        wantsDelivered: m.wantsDelivered === true,
        wantsDisplayed: m.wantsDisplayed === true,
        delivered,
      });
    }
    return true;
  }

  private async notifySip(m: ChatMessage, from: string, to: string): Promise<void> {
    const id = m.deliveredOf ?? m.displayedOf ?? "";
    const origin = this.ctx.fromSip.get(id);
    if (!origin) return;
    const wanted = m.deliveredOf !== undefined ? origin.wantsDelivered : origin.wantsDisplayed;
    if (!wanted) return;
    const notice: ChatMessage = {
      id: this.ctx.newId(),
      deliveredOf: m.deliveredOf,
      displayedOf: m.displayedOf,
    };
    const res = await sendSipMessage(
      this.ctx,
      notice,
      this.ctx.addresses.xmppUserToSipUri(from),
      origin.sipSender,
      {
        forceCpim: true,
      },
    );
    if (res.status >= 300) this.ctx.log.debug("IMDN not taken", { status: res.status, to, id });
  }

  /**
   * The XMPP side refused a message the gateway accepted from SIP with 202: the SIP sender is told,
   * so an acknowledged message is never lost silently. The notice is a MESSAGE in the conversation
   * with the recipient (From: the recipient's SIP URI), which is where its sender looks.
   */
  private async bounceToSip(stanza: Element): Promise<void> {
    const id = stanza.attrs.id ?? "";
    const origin: FromSip | undefined = this.ctx.fromSip.get(id);
    if (!origin) return;
    this.ctx.fromSip.delete(id);
    const error = stanza.getChild("error");
    const condition =
      error?.getChildElements().find((c) => c.attrs.xmlns === NS_STANZAS && c.name !== "text")?.name ??
      "undefined-condition";
    const text = error?.getChildText("text", NS_STANZAS);
    const who = stanza.attrs.from ?? "the recipient";
    const body = `Message not delivered to ${bareOf(who)}: ${condition.replace(/-/g, " ")}${text ? ` (${text})` : ""}.`;
    const from = this.ctx.addresses.xmppUserToSipUri(bareOf(origin.recipient));
    const res = await sendSipMessage(this.ctx, { id: this.ctx.newId(), body }, from, origin.sipSender);
    this.ctx.log.info("XMPP refused a message from SIP; its sender was told", {
      id,
      condition,
      sipSender: origin.sipSender,
      noticeStatus: res.status,
    });
  }
}

/** XEP-0184 section 5.2: the receipt carries the id of the message it acknowledges. */
function receipt(from: string, to: string, id: string): Element {
  return xml("message", { from, to, id: `rcpt-${id}` }, xml("received", { xmlns: "urn:xmpp:receipts", id }));
}
