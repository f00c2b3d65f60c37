/**
 * A call a SIP user places to an XMPP user: the gateway is the SIP UAS and the Jingle initiator.
 *
 *   proposed --proceed--> initiating --session-accept--> active
 *       \                     \                             \--> ended
 *        \--ringing: 180--/
 *
 * INVITE -> XEP-0353 <propose/> to the XMPP user's bare JID (it rings on all her devices). Her
 * <ringing/> -> 180. Her <proceed/> names the device: the gateway asks it what it speaks (XEP-0030
 * disco#info: ICE-UDP or RAW-UDP, DTLS or not), has rtpengine offer that, and sends it a
 * session-initiate. session-accept -> rtpengine answer -> 200 with SDP. <reject/>,
 * session-terminate, no answer in `ringTimeout` -> the final response of call-reasons.ts; CANCEL ->
 * <retract/> (before proceed) or session-terminate <cancel/>.
 */
import type { CallContext, IncomingInvite, SipDialog } from "./call-ports.js";
import { jingleReasonToSip, reasonHeader, type JingleCondition } from "./call-reasons.js";
import { BridgedCall, SIP_TAG, XMPP_TAG, type CallParties, type CallState } from "./bridged-call.js";
import { jingleContentElements } from "./jingle.js";
import type { JingleSessionDescription } from "./jingle-model.js";
import { sdpToSession, sessionToSdp } from "./jingle-sdp.js";
import { jmiMessage } from "./jmi.js";
import { towardsSip, towardsXmpp, transcodeFlags, type XmppMediaProfile } from "./media-legs.js";
import { sdpCodecNames, sipLegSdp } from "./sdp-edit.js";

export class SipOriginatedCall extends BridgedCall {
  private ringTimer: NodeJS.Timeout | undefined;
  private offerSession: JingleSessionDescription | undefined;

  constructor(
    ctx: CallContext,
    parties: CallParties,
    onEnded: (call: BridgedCall) => void,
    readonly invite: IncomingInvite,
    private readonly sipOffer: string,
    private readonly discoverProfile: (jid: string) => Promise<XmppMediaProfile>,
  ) {
    super(ctx, parties, onEnded);
  }

  /** Sends the propose and starts the ring timer. */
  async start(): Promise<void> {
    this.invite.onCancel(() => void this.end("cancel", "sip"));
    this.ringTimer = setTimeout(
      () => void this.end("timeout", "gateway", "no answer"),
      this.ctx.settings.ringTimeout,
    );
    this.ringTimer.unref();
    const to = this.parties.xmppUser.split("/")[0]!;
    await this.ctx.xmpp.send(jmiMessage(this.parties.sipUser, to, "propose", this.sid, { media: ["audio"] }));
  }

  /** XEP-0353 <ringing/> from one of her devices: the SIP caller hears ringback (RFC 3261 21.1.2). */
  ringing(): void {
    if (this.ended) return;
    this.invite.progress(180);
  }

  /** XEP-0353 <proceed/> from her device `fullJid`: set the Jingle session up with it. */
  async proceed(fullJid: string): Promise<void> {
    if (this.state !== "proposed") return;
    this.state = "initiating";
    this.parties.xmppUser = fullJid;
    this.parties.responder = fullJid;
    this.invite.progress(180);
    this.profile = await this.discoverProfile(fullJid);
    if (this.ended) return;
    try {
      const out = await this.ctx.media.offer({
        callId: this.mediaId,
        fromTag: SIP_TAG,
        sdp: this.sipOffer,
        flags: { ...towardsXmpp(this.profile), ...transcodeFlags(sdpCodecNames(this.sipOffer), "xmpp") },
      });
      this.offerSession = sdpToSession(out, { role: "initiator", creator: "initiator" });
    } catch (e) {
      this.log.warn("rtpengine offer failed", { sid: this.sid, error: String(e) });
      await this.end("failed-application", "gateway", "media relay unavailable");
      return;
    }
    if (this.ended) return;
    try {
      await this.sendJingle("session-initiate", ...jingleContentElements(this.offerSession));
    } catch (e) {
      this.log.info("session-initiate refused", { sid: this.sid, error: String(e) });
      await this.end("general-error", "xmpp");
    }
  }

  /** Her session-accept: rtpengine answer, then 200 OK to the SIP caller. */
  async accept(session: JingleSessionDescription): Promise<void> {
    if (this.state !== "initiating") return;
    this.state = "active";
    clearTimeout(this.ringTimer);
    let sdp: string;
    try {
      const out = await this.ctx.media.answer({
        callId: this.mediaId,
        fromTag: SIP_TAG,
        toTag: XMPP_TAG,
        sdp: sessionToSdp(session, { sessionId: this.sdpSessionId, sessionVersion: 1, role: "responder" }),
        flags: towardsSip(),
      });
      sdp = sipLegSdp(out);
    } catch (e) {
      this.log.warn("rtpengine answer failed", { sid: this.sid, error: String(e) });
      await this.end("failed-application", "gateway", "media relay unavailable");
      return;
    }
    if (this.ended) return;
    this.sipLocalSdp = sdp;
    let dialog: SipDialog;
    try {
      dialog = await this.invite.accept(sdp);
    } catch (e) {
      this.log.info("the SIP caller left before the answer", { sid: this.sid, error: String(e) });
      await this.end("cancel", "sip");
      return;
    }
    await this.attachDialog(dialog);
  }

  protected async tellEnd(
    condition: JingleCondition,
    endedBy: "xmpp" | "sip" | "gateway",
    before: CallState,
    text?: string,
  ): Promise<void> {
    clearTimeout(this.ringTimer);
    // The SIP side first: its final response must go out even when the XMPP link is down.
    if (endedBy !== "sip") {
      if (this.dialog) await this.byeSip(condition);
      else {
        const f = jingleReasonToSip(condition);
        this.invite.reject(f.status, f.reason, { Reason: reasonHeader(condition) });
      }
    }
    if (endedBy !== "xmpp") {
      if (before === "proposed") {
        // XEP-0353 section 3.3: the initiator disavows its intent with <retract/>.
        const to = this.parties.xmppUser.split("/")[0]!;
        this.ctx.xmpp
          .send(jmiMessage(this.parties.sipUser, to, "retract", this.sid, { reason: condition }))
          .catch((e: unknown) => this.log.debug("retract not sent", { sid: this.sid, error: String(e) }));
      } else {
        this.terminateXmpp(condition, text);
        if (before === "active") this.finish(condition);
      }
    } else if (before === "active") {
      this.finish(condition);
    }
  }
}
