/**
 * What the call bridge needs from the doors, as small interfaces (the call counterpart of
 * `src/im/im-ports.ts`): the XMPP component (stanzas and iq requests), SIP INVITE dialogs (the
 * adapter over drachtio-srf is `src/sip/sip-calls.ts`) and rtpengine (`src/media/media-link.ts`).
 * The bridge is unit-tested with recorded fakes of these.
 */
import type { Element } from "@xmpp/xml";
import type { AddressMapper } from "../address/address-mapper.js";
import type { Logger } from "../log/logger.js";
import type { XmppPort } from "../im/im-ports.js";

export interface CallXmppPort extends XmppPort {
  /** Sends an iq get/set; resolves with the result, rejects on an error answer or timeout. */
  request(iq: Element, timeoutMs: number): Promise<Element>;
}

/** A SIP failure of an INVITE (a non-2xx final response, or one generated locally). */
export class SipCallFailure extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`SIP ${status} ${reason}`);
    this.name = "SipCallFailure";
  }
}

/** An established INVITE dialog, whichever side created it. */
export interface SipDialog {
  readonly callId: string;
  /** The peer ended the call (BYE); `reason` is its RFC 3326 Reason header, if any. */
  onBye(listener: (reason: string | undefined) => void): void;
  /** The peer sent a re-INVITE with this offer; the listener returns the answer SDP (or throws a SipCallFailure). */
  onReinvite(listener: (offer: string) => Promise<string>): void;
  /** Sends BYE (with an RFC 3326 Reason header when given). Never throws. */
  bye(reason?: string): Promise<void>;
  /** Sends a re-INVITE with `offer` and resolves with the answer (ACK sent); rejects with SipCallFailure. */
  reinvite(offer: string): Promise<string>;
}

export interface OutgoingInvite {
  uri: string;
  from: string;
  to: string;
  sdp: string;
  proxy?: string | undefined;
  headers?: Record<string, string>;
}

export interface InviteProgress {
  /** A provisional response (180, 183); `sdp` when it carries one (early media). */
  onProvisional(status: number, sdp: string | undefined): void;
  /** The INVITE went out: `cancel()` sends CANCEL (only useful before the final response). */
  onSent(cancel: (reason?: string) => void): void;
}

export interface AnsweredInvite {
  dialog: SipDialog;
  /** The answer SDP of the 2xx. */
  sdp: string;
}

/** An INVITE that arrived for an XMPP user, not yet answered. */
export interface IncomingInvite {
  readonly callId: string;
  readonly uri: string;
  readonly from: string;
  readonly to: string;
  readonly sdp: string;
  /** Sends a provisional response (180 Ringing) at most once per status. */
  progress(status: 180 | 183): void;
  /** Answers 2xx with `sdp` and resolves with the dialog once the ACK arrived. */
  accept(sdp: string): Promise<SipDialog>;
  /** A final non-2xx answer (ignored once one was sent or the caller cancelled). */
  reject(status: number, reason: string, headers?: Record<string, string>): void;
  /** The caller sent CANCEL (the stack answers it and 487 itself). */
  onCancel(listener: () => void): void;
}

export interface SipCallPort {
  readonly connected: boolean;
  /** Sends an INVITE and resolves when it is answered 2xx; rejects with SipCallFailure otherwise. */
  invite(invite: OutgoingInvite, progress: InviteProgress): Promise<AnsweredInvite>;
}

/** rtpengine, as the call bridge uses it: SDP in, SDP out, per call-id and tags. */
export interface MediaPort {
  readonly available: boolean;
  offer(params: MediaOffer): Promise<string>;
  answer(params: MediaAnswer): Promise<string>;
  /** Deletes the whole call; never throws (logs). */
  delete(callId: string): Promise<void>;
  /** Injects RFC 4733 DTMF towards the other side of `fromTag` (ng "play DTMF"). */
  playDtmf(callId: string, fromTag: string, code: string, durationMs: number): Promise<void>;
}

export interface MediaOffer {
  callId: string;
  fromTag: string;
  sdp: string;
  /** ng flags for the side that receives the rewritten offer (see media-legs.ts). */
  flags: Record<string, unknown>;
}

export interface MediaAnswer extends MediaOffer {
  toTag: string;
}

export interface CallSettings {
  /** Outbound proxy URI for INVITEs; empty sends by the Request-URI. */
  outboundProxy: string;
  /** How long an XMPP callee may ring before the SIP caller gets 480, ms. */
  ringTimeout: number;
  /** How long to wait for an XMPP client's iq answers (session-initiate, disco), ms. */
  iqTimeout: number;
}

export interface CallContext {
  xmpp: CallXmppPort;
  sip: SipCallPort;
  media: MediaPort;
  addresses: AddressMapper;
  settings: CallSettings;
  log: Logger;
  newId(): string;
}
