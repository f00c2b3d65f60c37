/**
 * The call bridge: routes Jingle iqs, XEP-0353 messages and SIP INVITEs to the call they belong to,
 * creates calls, and keeps the registry. One call per (XMPP user's bare JID, Jingle sid).
 *
 * - XMPP -> SIP: `XmppOriginatedCall`, after an optional JMI <propose/> (answered <proceed/> at once:
 *   the SIP side can only be rung with an SDP offer, which the client sends in session-initiate).
 * - SIP -> XMPP: `SipOriginatedCall`, always through JMI (XEP-0353 is what Conversations, Dino, Gajim
 *   and Movim ring on).
 *
 * Every Jingle iq gets one answer: a result, or bad-request for what cannot be parsed (XEP-0166
 * section 6.3.3 / 7.2), item-not-found + <unknown-session/> for an unknown sid (XEP-0166 section 7.2:
 * "If the session ID is unknown, the recipient MUST return an <item-not-found/> error with a
 * Jingle-specific condition of <unknown-session/>").
 */
import xml, { type Element } from "@xmpp/xml";
import { GatewayError } from "../errors/gateway-error.js";
import { SipUri } from "../address/sip-uri.js";
import { isAddressError } from "../address/address-error.js";
import type { CallContext, IncomingInvite } from "./call-ports.js";
import type { BridgedCall } from "./bridged-call.js";
import { XMPP_TAG } from "./bridged-call.js";
import { parseJingleAction, type JingleAction } from "./jingle-action.js";
import { JingleError } from "./jingle-error.js";
import { jmiMessage, parseJmi, JmiError, type JmiMessage } from "./jmi.js";
import {
  NS_JINGLE,
  NS_JINGLE_DTLS,
  NS_JINGLE_DTMF,
  NS_JINGLE_ERRORS,
  NS_JINGLE_ICE_UDP,
  NS_JINGLE_MESSAGE,
  NS_JINGLE_RAW_UDP,
  NS_JINGLE_RTP,
  NS_JINGLE_RTP_AUDIO,
} from "./namespaces.js";
import { WEBRTC_PROFILE, type XmppMediaProfile } from "./media-legs.js";
import { SipOriginatedCall } from "./sip-originated-call.js";
import { XmppOriginatedCall } from "./xmpp-originated-call.js";
import { prepareSipOffer } from "./sip-offer.js";
import { hasAudio } from "./jingle-sdp.js";

/** The resource the gateway speaks from for a SIP user in calls (its disco identity is client/phone). */
export const CALL_RESOURCE = "phone";
const PROPOSAL_TTL_MS = 60_000;

/**
 * What JIDs standing for SIP users advertise (disco#info, XEP-0115 caps): XEP-0166/0167 with audio,
 * both transports, DTLS (XEP-0320), JMI (XEP-0353) and DTMF (XEP-0181 section 6), which is what
 * Conversations, Dino and Movim look for before they offer a call.
 */
export const CALL_FEATURES: readonly string[] = [
  NS_JINGLE,
  NS_JINGLE_RTP,
  NS_JINGLE_RTP_AUDIO,
  NS_JINGLE_ICE_UDP,
  NS_JINGLE_RAW_UDP,
  NS_JINGLE_DTLS,
  NS_JINGLE_MESSAGE,
  NS_JINGLE_DTMF,
];
const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";

export class CallBridge {
  private readonly calls = new Map<string, BridgedCall>();
  /** XMPP -> SIP JMI proposals answered <proceed/>, waiting for their session-initiate. */
  private readonly proposals = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: CallContext) {}

  get activeCalls(): number {
    return this.calls.size;
  }

  // --- XMPP ------------------------------------------------------------------------------------

  /** A message stanza: takes it (true) when it carries a XEP-0353 element for a SIP user. */
  readonly handleStanza = async (stanza: Element): Promise<boolean> => {
    if (stanza.name !== "message") return false;
    if (!stanza.getChildElements().some((c) => c.attrs.xmlns === NS_JINGLE_MESSAGE)) return false;
    const from = String(stanza.attrs.from ?? "");
    if (stanza.attrs.type === "error") {
      // Our <propose/> bounced (her server could not deliver it): nobody will answer.
      const jmi = safeJmi(stanza);
      const call = jmi && this.calls.get(key(from, jmi.id));
      if (call) await call.end("gone", "xmpp");
      return true;
    }
    let jmi: JmiMessage | undefined;
    try {
      jmi = parseJmi(stanza);
    } catch (e) {
      throw GatewayError.xmpp("bad-request", e instanceof JmiError ? e.message : String(e));
    }
    if (!jmi) return false;
    const k = key(from, jmi.id);
    const call = this.calls.get(k);
    switch (jmi.action) {
      case "propose":
        await this.propose(stanza, jmi);
        return true;
      case "retract":
        if (this.proposals.has(k)) this.forgetProposal(k);
        if (call) await call.end(jmi.reason ?? "cancel", "xmpp");
        return true;
      case "ringing":
        if (call instanceof SipOriginatedCall) call.ringing();
        return true;
      case "proceed":
        if (call instanceof SipOriginatedCall) void call.proceed(from);
        return true;
      case "reject":
        if (call) await call.end(jmi.reason ?? "busy", "xmpp");
        return true;
      default:
        // accept (to her own devices) and finish (after session-terminate) change nothing here.
        return true;
    }
  };

  private async propose(stanza: Element, jmi: JmiMessage): Promise<void> {
    const from = String(stanza.attrs.from ?? "");
    const to = bare(String(stanza.attrs.to ?? ""));
    this.ctx.addresses.jidToSipUser(to); // jid-malformed / item-not-found for JIDs that are no SIP user
    const me = `${to}/${CALL_RESOURCE}`;
    if (!jmi.media.includes("audio")) {
      // Only audio calls are bridged (video is listed as missing in the README).
      await this.ctx.xmpp.send(
        jmiMessage(me, bare(from), "reject", jmi.id, { reason: "unsupported-applications" }),
      );
      return;
    }
    const k = key(from, jmi.id);
    this.forgetProposal(k);
    const timer = setTimeout(() => this.proposals.delete(k), PROPOSAL_TTL_MS);
    timer.unref();
    this.proposals.set(k, timer);
    // XEP-0353 section 3.4: "sending a message to the bare JID of the initiator containing a
    // <proceed/>"; sent to the proposing device itself, which is the one that must go on.
    await this.ctx.xmpp.send(jmiMessage(me, from, "proceed", jmi.id));
  }

  private forgetProposal(k: string): void {
    const t = this.proposals.get(k);
    if (t) clearTimeout(t);
    this.proposals.delete(k);
  }

  /** The iq handler for <jingle xmlns='urn:xmpp:jingle:1'/> sets addressed to SIP users. */
  readonly handleJingle = (stanza: Element, payload: Element): true => {
    let action: JingleAction;
    try {
      action = parseJingleAction(payload);
    } catch (e) {
      throw GatewayError.xmpp("bad-request", e instanceof JingleError ? e.message : String(e));
    }
    const from = String(stanza.attrs.from ?? "");
    const to = String(stanza.attrs.to ?? "");
    const k = key(from, action.sid);
    if (action.action === "session-initiate") {
      this.initiate(from, to, action, k);
      return true;
    }
    const call = this.calls.get(k);
    if (!call) {
      throw new GatewayError({
        condition: "item-not-found",
        text: `unknown Jingle session ${action.sid}`,
        appCondition: { name: "unknown-session", xmlns: NS_JINGLE_ERRORS },
      });
    }
    setImmediate(() => void this.act(call, action));
    return true;
  };

  private initiate(from: string, to: string, action: JingleAction, k: string): void {
    if (this.calls.has(k)) throw GatewayError.xmpp("bad-request", `session ${action.sid} exists already`);
    const target = this.ctx.addresses.jidToSipUser(bare(to));
    const session = action.session;
    if (!session || session.contents.length === 0)
      throw GatewayError.xmpp("bad-request", "session-initiate without content");
    const sipFrom = this.ctx.addresses.xmppUserToSipUri(bare(from));
    const viaJmi = this.proposals.has(k);
    this.forgetProposal(k);
    const call = new XmppOriginatedCall(
      this.ctx,
      {
        sid: action.sid,
        xmppUser: from,
        sipUser: to.includes("/") ? to : `${to}/${CALL_RESOURCE}`,
        initiator: action.initiator ?? from,
        responder: to.includes("/") ? to : `${to}/${CALL_RESOURCE}`,
        viaJmi,
      },
      (c) => this.calls.delete(key(c.parties.xmppUser, c.sid)),
      session,
      { uri: target.format(), from: sipFrom.format() },
    );
    this.calls.set(k, call);
    // XEP-0166 section 6.3.2: a session with no application the responder supports is acknowledged,
    // then terminated with <unsupported-applications/>.
    if (!hasAudio(session)) {
      setImmediate(() => void call.end("unsupported-applications", "gateway"));
      return;
    }
    setImmediate(() => void call.start());
  }

  private async act(call: BridgedCall, a: JingleAction): Promise<void> {
    switch (a.action) {
      case "session-terminate":
        return call.end(a.reason ?? "success", "xmpp");
      case "session-accept":
        if (call instanceof SipOriginatedCall && a.session) return call.accept(a.session);
        return;
      case "session-info": {
        const info = a.info;
        if (!info) return;
        if (info.kind === "ringing" && call instanceof SipOriginatedCall) return call.ringing();
        if (info.kind === "hold")
          return call.holdSip("sendonly").catch((e: unknown) => this.warn(call, "hold", e));
        if (info.kind === "unhold" || info.kind === "active") {
          return call.holdSip("sendrecv").catch((e: unknown) => this.warn(call, "unhold", e));
        }
        if (info.kind === "dtmf") {
          return this.ctx.media
            .playDtmf(call.mediaId, XMPP_TAG, info.code, info.duration)
            .catch((e: unknown) => this.warn(call, "DTMF", e));
        }
        return;
      }
      default:
        // transport-info: rtpengine learns the client's address from its ICE checks (peer-reflexive
        // candidates, RFC 8445 section 7.3.1.3); other actions change nothing for an audio call.
        return;
    }
  }

  private warn(call: BridgedCall, what: string, e: unknown): void {
    this.ctx.log.warn(`${what} failed`, { sid: call.sid, error: String(e) });
  }

  // --- SIP -------------------------------------------------------------------------------------

  /** An INVITE for an XMPP user. Throws GatewayError (-> a SIP status) for what cannot be called. */
  async handleInvite(inv: IncomingInvite): Promise<void> {
    let caller: SipUri;
    try {
      caller = SipUri.parse(inv.from);
    } catch {
      inv.reject(400, "Bad From Header");
      return;
    }
    if (!caller.user || !this.ctx.addresses.isSipDomain(caller.host)) {
      // The same trust rule as for MESSAGE: nobody speaks for a SIP domain the gateway does not serve.
      inv.reject(403, "Caller Domain Not Served Here");
      return;
    }
    let callee: string;
    try {
      callee = this.ctx.addresses.sipUriToXmppUser(inv.uri);
    } catch (e) {
      if (isAddressError(e) && e.reason === "wrong-domain") inv.reject(404, "Not Found");
      else if (isAddressError(e)) inv.reject(484, "Address Incomplete");
      else throw e;
      return;
    }
    const offer = prepareSipOffer(inv.sdp);
    if (!offer.ok) {
      // RFC 3261 21.4.26: 488 when the offer cannot be used; the Warning names why (RFC 3261 20.43).
      inv.reject(488, "Not Acceptable Here", {
        Warning: `399 gateway "${offer.problem.replaceAll('"', "'")}"`,
      });
      return;
    }
    if (!this.ctx.xmpp.online || !this.ctx.media.available) {
      // RFC 3261 21.5.4 503 with Retry-After: the XMPP link or rtpengine is down; nobody is rung for a
      // call that could carry no media.
      inv.reject(503, "Service Unavailable", { "Retry-After": "10" });
      return;
    }
    const callerJid = this.ctx.addresses.sipUserToJid(caller);
    const sid = this.ctx.newId();
    const me = `${callerJid}/${CALL_RESOURCE}`;
    const call = new SipOriginatedCall(
      this.ctx,
      { sid, xmppUser: callee, sipUser: me, initiator: me, responder: callee, viaJmi: true },
      (c) => this.calls.delete(key(c.parties.xmppUser, c.sid)),
      inv,
      offer.sdp,
      (jid) => this.discoverProfile(me, jid),
    );
    this.calls.set(key(callee, sid), call);
    await call.start();
  }

  /** What her device speaks, from its disco#info (XEP-0030); WebRTC when it does not say. */
  private async discoverProfile(from: string, jid: string): Promise<XmppMediaProfile> {
    try {
      const res = await this.ctx.xmpp.request(
        xml(
          "iq",
          { type: "get", from, to: jid, id: `disco-${this.ctx.newId()}` },
          xml("query", { xmlns: NS_DISCO_INFO }),
        ),
        this.ctx.settings.iqTimeout,
      );
      const features = new Set(
        (res.getChild("query")?.getChildren("feature") ?? []).map((f) => String(f.attrs.var ?? "")),
      );
      const ice = features.has(NS_JINGLE_ICE_UDP) || !features.has(NS_JINGLE_RAW_UDP);
      return { ice, dtls: features.has(NS_JINGLE_DTLS) || (ice && features.size === 0) };
    } catch {
      return WEBRTC_PROFILE;
    }
  }

  /** Ends every call (gateway shutdown): BYE / session-terminate with <success/>... as "gone". */
  async stop(): Promise<void> {
    for (const t of this.proposals.values()) clearTimeout(t);
    this.proposals.clear();
    // In batches: each end is a BYE or CANCEL plus an rtpengine delete.
    const calls = [...this.calls.values()];
    for (let i = 0; i < calls.length; i += 50) {
      await Promise.all(calls.slice(i, i + 50).map((c) => c.end("gone", "gateway", "gateway shutting down")));
    }
  }
}

function key(xmppUser: string, sid: string): string {
  return `${bare(xmppUser)}|${sid}`;
}

function bare(jid: string): string {
  const slash = jid.indexOf("/");
  return slash < 0 ? jid : jid.slice(0, slash);
}

function safeJmi(stanza: Element): JmiMessage | undefined {
  try {
    return parseJmi(stanza);
  } catch {
    return undefined;
  }
}
