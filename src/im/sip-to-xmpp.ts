/**
 * SIP -> XMPP: a MESSAGE to `sip:alice@<xmpp domain>` becomes a <message/> from the sender's JID
 * (RFC 7572 section 5) and is answered 202 Accepted as soon as it is on its way.
 *
 * Why 202 and not 200: RFC 3428 section 7 says a 200 means the message reached the user agent,
 * while "a 202 ... indicates that the request was accepted for processing" by an intermediary;
 * the gateway hands the stanza to the XMPP server and cannot know yet whether alice got it, and a
 * non-INVITE transaction cannot wait for that (Timer F, RFC 3261 section 17.1.2.2). If the XMPP
 * side bounces it later, the SIP sender is told (XmppToSip.bounceToSip).
 *
 * Checked in this order, each with its own answer (first failure wins):
 *   untrusted source ............ 403 (SipLink, before this handler)
 *   From not a gateway SIP domain 403: the gateway never lets anyone speak as someone it does not serve
 *   Request-URI not an XMPP user  404 (not ours) / 484 (malformed)
 *   sender over its rate limit .. 503 + Retry-After
 *   XMPP link down .............. 503 + Retry-After (RFC 3261 section 21.5.4: temporarily unable)
 *   body too large .............. 413
 *   body type not taken ......... 415 + Accept (RFC 3261 section 21.4.13) / malformed body 400
 */
import { randomUUID } from "node:crypto";
import { isAddressError } from "../address/address-error.js";
import { parseNameAddr } from "../address/name-addr.js";
import { sipBodyBytes, sipHeaderText } from "../sip/drachtio-hardening.js";
import type { SipRequest, SipResponse } from "../sip/sip-link.js";
import { hasText, type ChatMessage } from "./chat-message.js";
import { SipBodyError } from "./codec/sip-body-error.js";
import type { ImContext } from "./im-ports.js";
import { TrackedMessages } from "./tracked-messages.js";
import { sipToChatMessage } from "./sip-message.js";
import { chatMessageToStanza } from "./xmpp-message.js";

/** How long a message without an IMDN request is remembered, to report a bounce to its SIP sender. */
export const BOUNCE_WINDOW_MS = 60_000;

function reasonFor(status: number): string {
  return status === 415
    ? "Unsupported Media Type"
    : status === 413
      ? "Request Entity Too Large"
      : "Bad Request";
}

export class SipToXmpp {
  /**
   * The last chat state sent for each (SIP sender, XMPP recipient). RFC 3994 section 3.2 has the
   * composer refresh its "active" state every `refresh` seconds, but XEP-0085 section 5.3 says a
   * client "MUST NOT send a second instance of any given standalone notification": a refresh that
   * repeats the state is answered and not forwarded. Forgotten after twice the longest refresh.
   */
  private readonly lastState = new TrackedMessages<string>(240_000);

  constructor(private readonly ctx: ImContext) {}

  /** For SipLink.handle("MESSAGE"). */
  readonly handle = async (req: SipRequest, res: SipResponse): Promise<void> => {
    const { ctx } = this;
    // A child logger only when something is logged: this is the hot path (docs/benchmarks.md).
    const log = () => ctx.log.child({ callId: req.get("Call-ID") });

    let sender;
    try {
      sender = parseNameAddr(sipHeaderText(req.get("From"))).uri;
    } catch (e) {
      res.send(400, "Bad From Header", {});
      log().info("MESSAGE with a malformed From refused", { error: String(e) });
      return;
    }
    if (!sender.user || !ctx.addresses.isSipDomain(sender.host)) {
      // RFC 3261 section 21.4.4: 403 "understood the request, but is refusing to fulfill it".
      res.send(403, "Sender Domain Not Served Here", {});
      log().info("MESSAGE from a domain the gateway does not serve refused", { from: sender.format() });
      return;
    }

    let recipient: string;
    try {
      recipient = ctx.addresses.sipUriToXmppUser(req.uri);
    } catch (e) {
      if (isAddressError(e) && e.reason === "wrong-domain") res.send(404, "Not Found", {});
      else if (isAddressError(e)) res.send(484, "Address Incomplete", {});
      else throw e;
      return;
    }
    const senderJid = ctx.addresses.sipUserToJid(sender);
    const senderAor = sender.with({ params: [], headers: [] }).format();

    const key = `sip:${senderAor}`;
    if (!ctx.limiter.take(key)) {
      res.send(503, "Rate Limit Exceeded", {
        headers: { "Retry-After": String(ctx.limiter.retryAfter(key)) },
      });
      return;
    }
    if (!ctx.xmpp.online) {
      res.send(503, "Service Unavailable", { headers: { "Retry-After": "10" } });
      return;
    }
    const raw = sipBodyBytes(req.body);
    if (raw.length > ctx.settings.maxMessageSize) {
      res.send(413, "Request Entity Too Large", {});
      return;
    }

    let m: ChatMessage;
    try {
      m = sipToChatMessage({
        contentType: req.has("Content-Type") ? req.get("Content-Type") : undefined,
        body: raw,
        headers: (name) => (req.has(name) ? sipHeaderText(req.get(name)) : undefined),
      });
    } catch (e) {
      if (e instanceof SipBodyError) {
        const headers: Record<string, string> = {};
        if (e.accept) headers["Accept"] = e.accept.join(", ");
        if (e.acceptEncoding) headers["Accept-Encoding"] = e.acceptEncoding.join(", ");
        res.send(e.status, reasonFor(e.status), { headers });
        log().info("MESSAGE body refused", { status: e.status, error: e.message });
        return;
      }
      throw e;
    }

    // An IMDN about a message that came from XMPP: a receipt or displayed marker for its sender.
    if (m.deliveredOf !== undefined || m.displayedOf !== undefined) {
      res.send(200, "OK", {});
      await this.notifyXmpp(m, senderJid);
      return;
    }
    if (!hasText(m) && m.chatState === undefined) {
      res.send(200, "OK", {});
      return;
    }

    const pair = `${senderAor}|${recipient}`;
    const state = hasText(m) ? "active" : m.chatState;
    if (!hasText(m) && state !== undefined && this.lastState.get(pair) === state) {
      res.send(202, "Accepted", {});
      return;
    }
    if (state !== undefined) this.lastState.set(pair, state);

    const id = m.id || randomUUID();
    const stanza = chatMessageToStanza({ ...m, id, type: "chat" }, { from: senderJid, to: recipient });
    try {
      await ctx.xmpp.send(stanza);
    } catch (e) {
      log().warn("could not hand the message to the XMPP server", { error: String(e) });
      res.send(503, "Service Unavailable", { headers: { "Retry-After": "10" } });
      return;
    }
    if (hasText(m)) {
      // Kept for a bounce (XMPP servers bounce at once for their own users, within seconds over s2s)
      // and, when the sender asked for IMDN, for the receipts that come when alice reads it.
      const wantsImdn = m.wantsDelivered === true || m.wantsDisplayed === true;
      ctx.fromSip.set(
        id,
        {
          sipSender: senderAor,
          recipient,
          wantsDelivered: m.wantsDelivered === true,
          wantsDisplayed: m.wantsDisplayed === true,
        },
        wantsImdn ? undefined : BOUNCE_WINDOW_MS,
      );
    }
    res.send(202, "Accepted", {});
    if (ctx.log.isDebugEnabled())
      log().debug("MESSAGE passed to XMPP", { id, from: senderJid, to: recipient });
  };

  private async notifyXmpp(m: ChatMessage, senderJid: string): Promise<void> {
    const id = m.deliveredOf ?? m.displayedOf ?? "";
    const origin = this.ctx.fromXmpp.get(id);
    if (!origin) return;
    if (m.deliveredOf !== undefined) {
      if (!origin.wantsDelivered || origin.delivered) return;
      origin.delivered = true;
    } else if (!origin.wantsDisplayed) return;
    const stanza = chatMessageToStanza(
      { id: this.ctx.newId(), deliveredOf: m.deliveredOf, displayedOf: m.displayedOf, type: "chat" },
      { from: origin.peer || senderJid, to: origin.jid },
    );
    await this.ctx.xmpp.send(stanza);
  }
}
