/**
 * What both call directions share: one call between an XMPP user (a Jingle session) and a SIP user
 * (an INVITE dialog), with one rtpengine call in between, identified by `mediaId`.
 *
 * The rules every call keeps, whichever side ends it and however (answer, error, timeout, crash of
 * one side's signalling):
 * - `end()` runs once: it tells the other side (session-terminate / BYE / CANCEL / final
 *   response, by the table of call-reasons.ts), sends the XEP-0353 <finish/> when the call was set
 *   up with JMI, deletes the rtpengine call, and removes the call from the bridge;
 * - media is deleted even when rtpengine failed half-way (a delete of an unknown call is harmless).
 *
 * The tags rtpengine sees are fixed per leg ("xmpp", "sip"); the ng call-id is the gateway's own
 * id, known before any SIP Call-ID exists.
 */
import type { Element } from "@xmpp/xml";
import type { CallContext, SipDialog } from "./call-ports.js";
import { byeToJingle, reasonHeader, type JingleCondition } from "./call-reasons.js";
import { infoElement, jingleIq, type JingleActionName } from "./jingle-action.js";
import { jmiMessage, reasonElement } from "./jmi.js";
import { offeredDirection, withDirection } from "./sdp-edit.js";
import type { Direction } from "./sdp-direction.js";
import type { XmppMediaProfile } from "./media-legs.js";

export const XMPP_TAG = "xmpp";
export const SIP_TAG = "sip";

export type CallState = "proposed" | "initiating" | "ringing" | "active" | "ended";

export interface CallParties {
  /** The Jingle sid (= the JMI id when JMI was used). */
  sid: string;
  /** The XMPP user's JID: full once known (bare while a JMI propose is outstanding). */
  xmppUser: string;
  /** The JID that stands for the SIP user, full (the gateway speaks from it). */
  sipUser: string;
  initiator: string;
  responder: string;
  viaJmi: boolean;
}

export abstract class BridgedCall {
  state: CallState = "proposed";
  readonly mediaId: string;
  /** The o= session id of the SDPs the gateway writes from Jingle (digits, RFC 8866 section 5.2). */
  readonly sdpSessionId = String(Math.floor(Math.random() * 1e15));
  dialog: SipDialog | undefined;
  profile: XmppMediaProfile = { ice: true, dtls: true };
  /** The SDP the SIP peer has from us, and its o= version, for re-INVITEs and re-INVITE answers. */
  protected sipLocalSdp = "";
  protected sipSdpVersion = 1;
  private iqCounter = 0;
  private reinvites: Promise<void> = Promise.resolve();
  private wantedDirection: Direction = "sendrecv";
  private sentDirection: Direction = "sendrecv";

  constructor(
    protected readonly ctx: CallContext,
    readonly parties: CallParties,
    private readonly onEnded: (call: BridgedCall) => void,
  ) {
    this.mediaId = `gw-${ctx.newId()}`;
  }

  get sid(): string {
    return this.parties.sid;
  }

  get ended(): boolean {
    return this.state === "ended";
  }

  protected get log() {
    return this.ctx.log;
  }

  /** Ends the call once: the subclass tells the other side(s), then media and JMI are cleaned up. */
  async end(condition: JingleCondition, endedBy: "xmpp" | "sip" | "gateway", text?: string): Promise<void> {
    if (this.ended) return;
    const before = this.state;
    this.state = "ended";
    this.onEnded(this);
    this.log.info("call ended", { sid: this.sid, condition, endedBy, was: before });
    try {
      await this.tellEnd(condition, endedBy, before, text);
    } catch (e) {
      this.log.warn("could not tell the other side that the call ended", { sid: this.sid, error: String(e) });
    }
    await this.ctx.media.delete(this.mediaId);
  }

  /** Tells the side(s) that did not end the call; `before` is the state the call was in. */
  protected abstract tellEnd(
    condition: JingleCondition,
    endedBy: "xmpp" | "sip" | "gateway",
    before: CallState,
    text?: string,
  ): Promise<void>;

  // --- XMPP side -------------------------------------------------------------------------------

  protected jingle(action: JingleActionName, ...children: (Element | null)[]): Element {
    const p = this.parties;
    return jingleIq(
      p.sipUser,
      p.xmppUser,
      `${this.sid}-${++this.iqCounter}`,
      {
        sid: p.sid,
        action,
        ...(action === "session-initiate" ? { initiator: p.initiator } : {}),
        ...(action === "session-accept" ? { responder: p.responder } : {}),
      },
      ...children,
    );
  }

  /** Sends a Jingle iq and waits for its result; rejects on an error answer or timeout. */
  protected async sendJingle(action: JingleActionName, ...children: (Element | null)[]): Promise<void> {
    await this.ctx.xmpp.request(this.jingle(action, ...children), this.ctx.settings.iqTimeout);
  }

  /** Fire-and-forget Jingle iq (session-info, session-terminate): an error answer changes nothing. */
  protected notifyJingle(action: JingleActionName, ...children: (Element | null)[]): void {
    this.sendJingle(action, ...children).catch((e: unknown) =>
      this.log.debug(`${action} not acknowledged`, { sid: this.sid, error: String(e) }),
    );
  }

  protected sessionInfo(kind: "ringing" | "hold" | "unhold" | "active"): void {
    this.notifyJingle("session-info", infoElement(kind));
  }

  protected terminateXmpp(condition: JingleCondition, text?: string): void {
    this.notifyJingle("session-terminate", reasonElement(condition, text));
  }

  /** XEP-0353 section 3.6: both parties SHOULD send <finish/> to the other's bare JID. */
  protected finish(condition: JingleCondition): void {
    if (!this.parties.viaJmi) return;
    const to = this.parties.xmppUser.split("/")[0]!;
    this.ctx.xmpp
      .send(jmiMessage(this.parties.sipUser, to, "finish", this.sid, { reason: condition }))
      .catch(() => undefined);
  }

  // --- SIP side --------------------------------------------------------------------------------

  /**
   * Takes the established dialog: a BYE ends the call (reason by call-reasons.ts), a re-INVITE is
   * answered by `answerReinvite` and told to the XMPP side as <hold/> or <unhold/>. If the call ended
   * while the dialog was being set up (a 2xx crossing a hang-up), RFC 3261 section 15 ends it with BYE.
   * Returns false in that case.
   */
  protected async attachDialog(dialog: SipDialog): Promise<boolean> {
    this.dialog = dialog;
    if (this.ended) {
      await dialog.bye(reasonHeader("cancel"));
      return false;
    }
    dialog.onBye((reason) => void this.end(byeToJingle(reason), "sip"));
    dialog.onReinvite(async (offer) => {
      const { answer, hold } = this.answerReinvite(offer);
      this.sessionInfo(hold ? "hold" : "unhold");
      return answer;
    });
    return true;
  }

  protected async byeSip(condition: JingleCondition): Promise<void> {
    await this.dialog?.bye(condition === "success" ? undefined : reasonHeader(condition));
  }

  /**
   * Hold or unhold towards the SIP peer: a re-INVITE with our SDP and a new direction (RFC 3264 8.4).
   * One at a time: RFC 3261 section 14.1, "a UAC MUST NOT initiate a new INVITE transaction within a
   * dialog while another INVITE transaction is in progress"; a request superseded while it waited
   * (hold then unhold) is skipped when the direction is already the wanted one.
   */
  holdSip(direction: Direction): Promise<void> {
    this.wantedDirection = direction;
    const run = async () => {
      if (!this.dialog || !this.sipLocalSdp || this.ended) return;
      if (this.wantedDirection !== direction || this.sentDirection === direction) return;
      const offer = withDirection(this.sipLocalSdp, direction, ++this.sipSdpVersion);
      await this.dialog.reinvite(offer);
      this.sipLocalSdp = offer;
      this.sentDirection = direction;
    };
    this.reinvites = this.reinvites.then(run, run);
    return this.reinvites;
  }

  /**
   * The answer to a SIP re-INVITE: our SDP with the direction RFC 3264 section 6.1 prescribes for the
   * offered one ("If a stream is offered as sendonly, the corresponding stream MUST be marked as
   * recvonly or inactive in the answer"), and the hold state it means for the XMPP side.
   */
  answerReinvite(offer: string): { answer: string; hold: boolean } {
    const { direction: offered, hold } = offeredDirection(offer);
    const mine: Direction =
      offered === "sendonly"
        ? "recvonly"
        : offered === "recvonly"
          ? "sendonly"
          : offered === "inactive"
            ? "inactive"
            : "sendrecv";
    const answer = withDirection(this.sipLocalSdp, mine, ++this.sipSdpVersion);
    this.sipLocalSdp = answer;
    return { answer, hold };
  }
}
