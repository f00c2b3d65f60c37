/**
 * A call an XMPP user places to a SIP user: the Jingle initiator is the XMPP client, the gateway is
 * the Jingle responder and the SIP UAC.
 *
 *   proposed --session-initiate--> initiating --180--> ringing --2xx (or 183+SDP)--> active
 *       \______________________________\___________________\________________________\--> ended
 *
 * session-initiate (acknowledged at once, XEP-0166 section 6.2: "the responder ... acknowledges
 * receipt of the session initiation request") -> Jingle -> SDP -> rtpengine offer (the SIP leg's
 * flags) -> INVITE. 180 -> <ringing/> (XEP-0167 section 7.2). 183 with SDP and 2xx -> rtpengine
 * answer -> session-accept. drachtio-srf ACKs the 2xx.
 *
 * Early media: Jingle has no early-media state, so a 183 with SDP is bridged by accepting the Jingle
 * session at once (announcements and ringback tones from the SIP side are heard); the SIP dialog is
 * confirmed later by the 2xx. Documented in docs/calls.md.
 */
import type { CallContext, SipDialog } from "./call-ports.js";
import { SipCallFailure } from "./call-ports.js";
import { reasonHeader, sipStatusToJingle, type JingleCondition } from "./call-reasons.js";
import { BridgedCall, SIP_TAG, XMPP_TAG, type CallParties, type CallState } from "./bridged-call.js";
import { jingleContentElements } from "./jingle.js";
import type { JingleSessionDescription } from "./jingle-model.js";
import { sdpToSession, sessionToSdp } from "./jingle-sdp.js";
import { towardsSip, towardsXmpp, transcodeFlags } from "./media-legs.js";
import { sdpCodecNames, sipLegSdp } from "./sdp-edit.js";

export class XmppOriginatedCall extends BridgedCall {
  private cancelInvite: ((reason?: string) => void) | undefined;
  private accepted = false;
  private ringTimer: NodeJS.Timeout | undefined;

  constructor(
    ctx: CallContext,
    parties: CallParties,
    onEnded: (call: BridgedCall) => void,
    private readonly offer: JingleSessionDescription,
    private readonly sipTarget: { uri: string; from: string },
  ) {
    super(ctx, parties, onEnded);
    this.state = "initiating";
    const t = offer.contents.find((c) => c.description?.media === "audio")?.transport;
    this.profile = {
      ice: t?.kind === "ice-udp",
      dtls: t?.kind === "ice-udp" && t.fingerprint !== undefined,
    };
  }

  /** Runs the call set-up; never throws (failures end the call with the right reason). */
  async start(): Promise<void> {
    let sipSdp: string;
    try {
      const sdp = sessionToSdp(this.offer, {
        sessionId: this.sdpSessionId,
        sessionVersion: 1,
        role: "initiator",
      });
      const out = await this.ctx.media.offer({
        callId: this.mediaId,
        fromTag: XMPP_TAG,
        sdp,
        flags: { ...towardsSip(), ...transcodeFlags(sdpCodecNames(sdp), "sip") },
      });
      sipSdp = sipLegSdp(out);
    } catch (e) {
      this.log.warn("rtpengine offer failed", { sid: this.sid, error: String(e) });
      await this.end("failed-application", "gateway", "media relay unavailable");
      return;
    }
    if (this.ended) return;
    this.sipLocalSdp = sipSdp;
    // drachtio-srf has no timer C after a 1xx: a callee that rings forever is cancelled here.
    this.ringTimer = setTimeout(
      () => void this.end("timeout", "gateway", "no answer"),
      this.ctx.settings.ringTimeout,
    );
    this.ringTimer.unref();
    try {
      const answered = await this.ctx.sip.invite(
        {
          uri: this.sipTarget.uri,
          from: this.sipTarget.from,
          to: this.sipTarget.uri,
          sdp: sipSdp,
          proxy: this.ctx.settings.outboundProxy,
        },
        {
          onSent: (cancel) => {
            // She may have hung up before drachtio reported the INVITE as sent: cancel it now.
            if (this.ended) cancel(reasonHeader("cancel"));
            else this.cancelInvite = cancel;
          },
          onProvisional: (status, sdp) => void this.provisional(status, sdp),
        },
      );
      await this.answered(answered.dialog, answered.sdp);
    } catch (e) {
      if (this.ended) return;
      const f = e instanceof SipCallFailure ? e : new SipCallFailure(500, "Server Internal Error");
      const condition: JingleCondition = sipStatusToJingle(f.status);
      await this.end(condition, "sip", `SIP ${f.status} ${f.reason}`.trim());
    }
  }

  private async provisional(status: number, sdp: string | undefined): Promise<void> {
    if (this.ended) return;
    if (status === 180 || (status === 183 && !sdp)) {
      if (this.state === "initiating") {
        this.state = "ringing";
        this.sessionInfo("ringing");
      }
      return;
    }
    if (status === 183 && sdp && !this.accepted) await this.acceptXmpp(sdp);
  }

  private async answered(dialog: SipDialog, sdp: string): Promise<void> {
    clearTimeout(this.ringTimer);
    if (!(await this.attachDialog(dialog))) return;
    if (!this.accepted) await this.acceptXmpp(sdp);
    if (!this.ended) this.state = "active";
  }

  /** rtpengine answer with the SIP side's SDP, then session-accept to the XMPP client. */
  private async acceptXmpp(sipSdp: string): Promise<void> {
    this.accepted = true;
    let session: JingleSessionDescription;
    try {
      const out = await this.ctx.media.answer({
        callId: this.mediaId,
        fromTag: XMPP_TAG,
        toTag: SIP_TAG,
        sdp: sipSdp,
        flags: towardsXmpp(this.profile),
      });
      session = sdpToSession(out, { role: "responder", like: this.offer });
    } catch (e) {
      this.log.warn("rtpengine answer failed", { sid: this.sid, error: String(e) });
      await this.end("failed-application", "gateway", "media relay unavailable");
      return;
    }
    try {
      await this.sendJingle("session-accept", ...jingleContentElements(session));
    } catch (e) {
      this.log.info("session-accept refused by the XMPP client", { sid: this.sid, error: String(e) });
      await this.end("general-error", "xmpp");
    }
  }

  protected async tellEnd(
    condition: JingleCondition,
    endedBy: "xmpp" | "sip" | "gateway",
    before: CallState,
    text?: string,
  ): Promise<void> {
    clearTimeout(this.ringTimer);
    if (endedBy !== "xmpp") this.terminateXmpp(condition, text);
    this.finish(condition);
    if (endedBy === "sip") return;
    if (this.dialog) await this.byeSip(condition);
    else if (before === "initiating" || before === "ringing") this.cancelInvite?.(reasonHeader(condition));
  }
}
