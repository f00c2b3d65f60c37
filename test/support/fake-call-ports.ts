/**
 * Recorded stand-ins for the doors of the call bridge (`src/call/call-ports.ts`), for unit tests and
 * the in-process call benchmark: each fake records what the bridge did to it, and the test plays the
 * other side (the XMPP client, the SIP peer, rtpengine).
 *
 * - `FakeCallXmpp`: records stanzas sent and iqs requested; `request()` is answered by `responder`
 *   (a result, an error, or nothing: then it rejects after its timeout, as xmpp.js's iq caller does).
 * - `FakeSipCalls` / `OutgoingCall`: records INVITEs; the test sends provisional responses, a 2xx with
 *   SDP or a failure (`SipCallFailure`), and sees CANCELs (answered 487 unless told otherwise).
 * - `FakeIncomingInvite`: records 1xx, 2xx and failures with the semantics of the drachtio adapter
 *   (`src/sip/sip-calls.ts`: a final response after CANCEL or after another final is ignored, and
 *   recorded apart); the test fires CANCEL.
 * - `FakeDialog`: records BYE and re-INVITE; the test fires BYE and re-INVITE.
 * - `FakeMedia`: records offer, answer, delete and playDtmf; can fail, or time out the way MediaLink
 *   does when rtpengine does not answer. Its SDP is written the way rtpengine 10.5 rewrites SDP for
 *   the bridge's flags (`fakeRtpengineSdp`).
 *
 * `callHarness()` wires them into a real CallBridge with a real AddressMapper; `Alice` builds what
 * her client sends from the captured stanzas of test/fixtures/call/jingle-webrtc/.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import xml, { type Element } from "@xmpp/xml";
import { AddressMapper } from "../../src/address/address-mapper.js";
import { CallBridge } from "../../src/call/call-bridge.js";
import {
  SipCallFailure,
  type AnsweredInvite,
  type CallContext,
  type CallSettings,
  type CallXmppPort,
  type IncomingInvite,
  type InviteProgress,
  type MediaAnswer,
  type MediaOffer,
  type MediaPort,
  type OutgoingInvite,
  type SipCallPort,
  type SipDialog,
} from "../../src/call/call-ports.js";
import { NS_JINGLE, NS_JINGLE_MESSAGE, NS_JINGLE_RAW_UDP, NS_JINGLE_RTP } from "../../src/call/namespaces.js";
import { moduleLogger, type Logger } from "../../src/log/logger.js";

export const ALICE = "alice@xmpp.example.com";
export const ALICE_LAPTOP = "alice@xmpp.example.com/laptop";
export const ALICE_SIP = "sip:alice@xmpp.example.com";
export const BOB = "bob@sip.example.com";
export const BOB_PHONE = "bob@sip.example.com/phone";
export const BOB_SIP = "sip:bob@sip.example.com";

// --- waiting -----------------------------------------------------------------------------------

/** Resolves once `cond()` is true; rejects naming `what` after `timeoutMs` (a hang, not a timing check). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Lets every queued callback and promise chain run (for asserting that something did NOT happen). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// --- XMPP ---------------------------------------------------------------------------------------

export type IqAnswer =
  { type: "result"; payload?: Element } | { type: "error"; condition: string } | { type: "none" };

export class FakeStanzaError extends Error {
  constructor(readonly condition: string) {
    super(`stanza error: ${condition}`);
    this.name = "StanzaError";
  }
}

export const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";

/** What Conversations, Dino and Movim advertise for calls (XEP-0030 disco#info of her device). */
export const WEBRTC_CLIENT_FEATURES = [
  "urn:xmpp:jingle:1",
  "urn:xmpp:jingle:apps:rtp:1",
  "urn:xmpp:jingle:apps:rtp:audio",
  "urn:xmpp:jingle:transports:ice-udp:1",
  "urn:xmpp:jingle:apps:dtls:0",
  "urn:xmpp:jingle-message:0",
];

export class FakeCallXmpp implements CallXmppPort {
  online = true;
  /** Every stanza the bridge sent or requested, in order. */
  readonly out: Element[] = [];
  /** When set, `send()` rejects with it (the component link is down). */
  sendError: Error | undefined;
  /** Her device's disco#info features, "error" (an error answer) or "none" (no answer). */
  disco: string[] | "error" | "none" = WEBRTC_CLIENT_FEATURES;
  /** How iq requests are answered; by default disco#info per `disco`, anything else with a result. */
  responder: (iq: Element) => IqAnswer = (iq) => this.defaultAnswer(iq);
  /** Keeps no record (the benchmark: millions of stanzas). */
  record = true;
  /** Called for each stanza sent or requested (the benchmark's clients react here). */
  onOut: ((stanza: Element) => void) | undefined;

  constructor(readonly domain = "sip.example.com") {}

  send(stanza: Element): Promise<void> {
    if (this.record) this.out.push(stanza);
    this.onOut?.(stanza);
    return this.sendError ? Promise.reject(this.sendError) : Promise.resolve();
  }

  request(iq: Element, timeoutMs: number): Promise<Element> {
    if (this.record) this.out.push(iq);
    this.onOut?.(iq);
    const a = this.responder(iq);
    if (a.type === "result") {
      return Promise.resolve(
        xml("iq", { type: "result", id: iq.attrs.id, from: iq.attrs.to, to: iq.attrs.from }, a.payload),
      );
    }
    if (a.type === "error") return Promise.reject(new FakeStanzaError(a.condition));
    return new Promise((_, reject) => {
      setTimeout(() => reject(new Error(`TimeoutError: no answer in ${timeoutMs} ms`)), timeoutMs).unref();
    });
  }

  private defaultAnswer(iq: Element): IqAnswer {
    if (!iq.getChild("query", NS_DISCO_INFO)) return { type: "result" };
    if (this.disco === "error") return { type: "error", condition: "service-unavailable" };
    if (this.disco === "none") return { type: "none" };
    return {
      type: "result",
      payload: xml(
        "query",
        { xmlns: NS_DISCO_INFO },
        xml("identity", { category: "client", type: "phone" }),
        ...this.disco.map((f) => xml("feature", { var: f })),
      ),
    };
  }

  /** Jingle iqs sent, of `action` if given. */
  jingles(action?: string): Element[] {
    return this.out.filter((s) => {
      const j = s.name === "iq" ? s.getChild("jingle", NS_JINGLE) : undefined;
      return j !== undefined && (action === undefined || j.attrs.action === action);
    });
  }

  /** XEP-0353 messages sent, of `action` if given. */
  jmis(action?: string): Element[] {
    return this.out.filter(
      (s) =>
        s.name === "message" &&
        s
          .getChildElements()
          .some((c) => c.attrs.xmlns === NS_JINGLE_MESSAGE && (action === undefined || c.name === action)),
    );
  }

  /** disco#info requests sent. */
  discos(): Element[] {
    return this.out.filter((s) => s.name === "iq" && s.getChild("query", NS_DISCO_INFO) !== undefined);
  }
}

/** The condition of a session-terminate iq or of a JMI message's <reason/>, e.g. "busy". */
export function reasonOf(stanza: Element): string | undefined {
  const holder =
    stanza.getChild("jingle", NS_JINGLE) ??
    stanza.getChildElements().find((c) => c.attrs.xmlns === NS_JINGLE_MESSAGE);
  return holder
    ?.getChild("reason")
    ?.getChildElements()
    .find((c) => c.name !== "text")?.name;
}

// --- SIP ----------------------------------------------------------------------------------------

/** A plain SIP phone's offer: G.711 and RFC 4733 events, no ICE, no DTLS. */
export const PHONE_OFFER = [
  "v=0",
  "o=bob 2890844526 2890844526 IN IP4 192.0.2.20",
  "s=-",
  "c=IN IP4 192.0.2.20",
  "t=0 0",
  "m=audio 49172 RTP/AVP 0 8 101",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-16",
  "a=ptime:20",
  "a=sendrecv",
  "",
].join("\r\n");

/** A phone that speaks Opus too (no transcoding needed towards XMPP). */
export const PHONE_OFFER_OPUS = PHONE_OFFER.replace("RTP/AVP 0 8 101", "RTP/AVP 107 0 8 101").replace(
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:107 opus/48000/2\r\na=fmtp:107 useinbandfec=1\r\na=rtpmap:0 PCMU/8000",
);

/** A phone's answer: PCMU and events. */
export const PHONE_ANSWER = [
  "v=0",
  "o=bob 2890844527 2890844527 IN IP4 192.0.2.20",
  "s=-",
  "c=IN IP4 192.0.2.20",
  "t=0 0",
  "m=audio 49170 RTP/AVP 0 101",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-16",
  "a=sendrecv",
  "",
].join("\r\n");

const OPPOSITE: Record<string, string> = {
  sendonly: "recvonly",
  recvonly: "sendonly",
  inactive: "inactive",
  sendrecv: "sendrecv",
};

/** A confirmed INVITE dialog: records BYE and re-INVITE; the test fires the peer's BYE and re-INVITE. */
export class FakeDialog implements SipDialog {
  /** BYEs the bridge sent (the Reason header, if any). */
  readonly byes: (string | undefined)[] = [];
  /** BYEs the bridge asked for after the dialog had ended (the adapter sends nothing for them). */
  readonly lateByes: (string | undefined)[] = [];
  /** Offers of the re-INVITEs the bridge sent. */
  readonly reinvites: string[] = [];
  /** How the peer answers a re-INVITE; by default with its SDP in the matching direction. */
  reinviteAnswer: (offer: string) => Promise<string> = (offer) => {
    const dir = /^a=(sendrecv|sendonly|recvonly|inactive)/m.exec(offer)?.[1] ?? "sendrecv";
    return Promise.resolve(PHONE_ANSWER.replace("a=sendrecv", `a=${OPPOSITE[dir] ?? "sendrecv"}`));
  };
  ended = false;
  private byeListener: ((reason: string | undefined) => void) | undefined;
  private pendingBye: { reason: string | undefined } | undefined;
  private reinviteListener: ((offer: string) => Promise<string>) | undefined;

  constructor(readonly callId: string) {}

  onBye(listener: (reason: string | undefined) => void): void {
    this.byeListener = listener;
    if (this.pendingBye) listener(this.pendingBye.reason);
  }

  onReinvite(listener: (offer: string) => Promise<string>): void {
    this.reinviteListener = listener;
  }

  bye(reason?: string): Promise<void> {
    if (this.ended) this.lateByes.push(reason);
    else this.byes.push(reason);
    this.ended = true;
    return Promise.resolve();
  }

  reinvite(offer: string): Promise<string> {
    this.reinvites.push(offer);
    return this.reinviteAnswer(offer);
  }

  /** The peer hangs up (kept until someone listens, as the adapter does). */
  fireBye(reason?: string): void {
    this.ended = true;
    this.pendingBye = { reason };
    this.byeListener?.(reason);
  }

  /** The peer sends a re-INVITE; resolves with the answer SDP of the 200 (rejects: the error response). */
  fireReinvite(offer: string): Promise<string> {
    if (!this.reinviteListener) return Promise.reject(new SipCallFailure(500, "no re-INVITE listener"));
    return this.reinviteListener(offer);
  }
}

/** One INVITE the bridge sent; the test plays the called party. */
export class OutgoingCall {
  /** CANCELs the bridge sent (the Reason header, if any). */
  readonly cancels: (string | undefined)[] = [];
  dialog: FakeDialog | undefined;
  settled = false;
  private sentDelivered = false;
  private readonly done = deferred<AnsweredInvite>();

  constructor(
    readonly invite: OutgoingInvite,
    readonly progress: InviteProgress,
    private readonly cancelAnswers487: () => boolean,
    readonly callId: string,
  ) {}

  get promise(): Promise<AnsweredInvite> {
    return this.done.promise;
  }

  /** The INVITE went out (drachtio-srf's cbRequest): the bridge can cancel it from now on. */
  sent(): void {
    if (this.sentDelivered) return;
    this.sentDelivered = true;
    this.progress.onSent((reason) => {
      this.cancels.push(reason);
      // RFC 3261 section 9.2: the UAS answers the INVITE 487 once it took the CANCEL.
      if (this.cancelAnswers487()) setImmediate(() => this.fail(487, "Request Terminated"));
    });
  }

  provisional(status: number, sdp?: string): void {
    this.progress.onProvisional(status, sdp);
  }

  /** 2xx with `sdp` (drachtio-srf ACKs it); returns the dialog. */
  answer(sdp = PHONE_ANSWER): FakeDialog {
    if (this.settled) throw new Error("INVITE already has its final response");
    this.settled = true;
    this.dialog = new FakeDialog(this.callId);
    this.done.resolve({ dialog: this.dialog, sdp });
    return this.dialog;
  }

  fail(status: number, reason: string): void {
    if (this.settled) return;
    this.settled = true;
    this.done.reject(new SipCallFailure(status, reason));
  }
}

export class FakeSipCalls implements SipCallPort {
  connected = true;
  readonly invites: OutgoingCall[] = [];
  /** Whether `onSent` comes with the INVITE (else the test calls `OutgoingCall.sent()`). */
  sentAtOnce = true;
  /** Whether a CANCEL is followed by the 487 of the INVITE (false: the 2xx may still cross it). */
  cancelAnswers487 = true;
  record = true;
  /** Called for each INVITE (the benchmark's phones answer here). */
  onInvite: ((call: OutgoingCall) => void) | undefined;
  private n = 0;

  invite(inv: OutgoingInvite, progress: InviteProgress): Promise<AnsweredInvite> {
    const call = new OutgoingCall(inv, progress, () => this.cancelAnswers487, `out-${++this.n}@fake`);
    if (this.record) this.invites.push(call);
    if (this.sentAtOnce) call.sent();
    this.onInvite?.(call);
    return call.promise;
  }
}

export interface FinalResponse {
  status: number;
  reason: string;
  headers: Record<string, string>;
  /** The SDP of a 2xx. */
  sdp?: string;
}

/** An INVITE for an XMPP user, as the drachtio adapter hands it to the bridge. */
export class FakeIncomingInvite implements IncomingInvite {
  readonly uri: string;
  readonly from: string;
  readonly to: string;
  readonly sdp: string;
  /** Provisional responses sent (each status once, none after a final response or CANCEL). */
  readonly provisionals: number[] = [];
  /** Final responses sent (at most one, unless the bridge misbehaves and the adapter would send two). */
  readonly finals: FinalResponse[] = [];
  /** Final responses asked for after a final response or CANCEL: the adapter drops them. */
  readonly late: FinalResponse[] = [];
  cancelled = false;
  dialog: FakeDialog | undefined;
  /** Called with each final response that goes out (the benchmark times its calls here). */
  onFinal: ((r: FinalResponse) => void) | undefined;
  /** Whether accept() resolves at once (the ACK arrives) or waits for `ack()`. */
  ackAtOnce = true;
  private readonly acked = deferred<void>();
  private readonly cancelListeners: (() => void)[] = [];

  constructor(
    readonly callId: string,
    opts: { uri?: string; from?: string; to?: string; sdp?: string } = {},
  ) {
    this.uri = opts.uri ?? ALICE_SIP;
    this.from = opts.from ?? BOB_SIP;
    this.to = opts.to ?? this.uri;
    this.sdp = opts.sdp ?? PHONE_OFFER;
  }

  get final(): FinalResponse | undefined {
    return this.finals[0];
  }

  private get answered(): boolean {
    return this.cancelled || this.finals.length > 0;
  }

  progress(status: 180 | 183): void {
    if (this.answered || this.provisionals.includes(status)) return;
    this.provisionals.push(status);
  }

  async accept(sdp: string): Promise<SipDialog> {
    const r = { status: 200, reason: "OK", headers: {}, sdp };
    if (this.answered) {
      this.late.push(r);
      throw new SipCallFailure(487, "Request Terminated");
    }
    this.finals.push(r);
    this.onFinal?.(r);
    if (!this.ackAtOnce) await this.acked.promise;
    this.dialog = new FakeDialog(this.callId);
    return this.dialog;
  }

  ack(): void {
    this.acked.resolve();
  }

  reject(status: number, reason: string, headers: Record<string, string> = {}): void {
    const r = { status, reason, headers };
    if (this.answered) {
      this.late.push(r);
      return;
    }
    this.finals.push(r);
    this.onFinal?.(r);
  }

  onCancel(listener: () => void): void {
    if (this.cancelled) listener();
    else this.cancelListeners.push(listener);
  }

  /** The caller sends CANCEL (the stack answers it 200 and the INVITE 487 by itself). */
  fireCancel(): void {
    this.cancelled = true;
    for (const l of this.cancelListeners) l();
  }
}

// --- rtpengine ------------------------------------------------------------------------------------

export type MediaBehaviour = "ok" | "fail" | "timeout";

export interface DtmfRequest {
  callId: string;
  fromTag: string;
  code: string;
  durationMs: number;
}

export const MEDIA_IP = "203.0.113.7";

export class FakeMedia implements MediaPort {
  available = true;
  offerBehaviour: MediaBehaviour = "ok";
  answerBehaviour: MediaBehaviour = "ok";
  readonly offers: MediaOffer[] = [];
  readonly answers: MediaAnswer[] = [];
  readonly deletes: string[] = [];
  readonly dtmf: DtmfRequest[] = [];
  /** Calls rtpengine would still hold: created by an offer, removed by a delete. */
  readonly live = new Set<string>();
  private port = 30000;
  /** The SDP each call's offerer sent: an answer goes back to it with its own codecs. */
  private readonly offered = new Map<string, string>();

  /** `timeoutMs`: how long MediaLink waits before it gives up on rtpengine. */
  constructor(readonly timeoutMs = 30) {}

  offer(p: MediaOffer): Promise<string> {
    this.offers.push(p);
    return this.behave("offer", this.offerBehaviour, () => {
      this.live.add(p.callId);
      this.offered.set(p.callId, p.sdp);
      return fakeRtpengineSdp(p.sdp, p.flags, { kind: "offer", port: (this.port += 2) });
    });
  }

  answer(p: MediaAnswer): Promise<string> {
    this.answers.push(p);
    return this.behave("answer", this.answerBehaviour, () =>
      fakeRtpengineSdp(p.sdp, p.flags, {
        kind: "answer",
        port: (this.port += 2),
        offered: this.offered.get(p.callId),
      }),
    );
  }

  delete(callId: string): Promise<void> {
    this.deletes.push(callId);
    this.live.delete(callId);
    this.offered.delete(callId);
    return Promise.resolve();
  }

  playDtmf(callId: string, fromTag: string, code: string, durationMs: number): Promise<void> {
    this.dtmf.push({ callId, fromTag, code, durationMs });
    return Promise.resolve();
  }

  deletesOf(callId: string): number {
    return this.deletes.filter((d) => d === callId).length;
  }

  private behave(what: string, b: MediaBehaviour, ok: () => string): Promise<string> {
    if (b === "fail") return Promise.reject(new Error(`rtpengine ${what} failed: Unknown call-id`));
    if (b === "timeout") {
      return new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`rtpengine ${what}: timeout`)), this.timeoutMs).unref(),
      );
    }
    return Promise.resolve(ok());
  }
}

/**
 * SDP as rtpengine 10.5 returns it for the bridge's ng flags (seen on this machine for the fixture
 * offer and a G.711 phone): the origin's address replaced, one c= at session level, the media on
 * its own port; codec lines, SSRC, msid, header extensions and a=mid passed through as they came; the
 * transport rewritten per "transport-protocol", "ICE", "DTLS" and "rtcp-mux"; codecs named in
 * "codec": {"transcode"} added to an offer. An answer lists the offer's codecs the answerer kept
 * (with the offer's payload types), or the first offered one when it kept none (transcoding).
 */
export function fakeRtpengineSdp(
  input: string,
  flags: Record<string, unknown>,
  opts: { kind: "offer" | "answer"; port: number; offered?: string | undefined },
): string {
  const lines = input.split(/\r?\n/).filter((l) => l !== "");
  const firstM = lines.findIndex((l) => l.startsWith("m="));
  const session = firstM < 0 ? lines : lines.slice(0, firstM);
  const out = ["v=0"];
  const origin = session.find((l) => l.startsWith("o=")) ?? "o=- 1 1 IN IP4 0.0.0.0";
  out.push(origin.replace(/IN IP[46] \S+$/, `IN IP4 ${MEDIA_IP}`), "s=-", `c=IN IP4 ${MEDIA_IP}`, "t=0 0");
  const sessionDirection = session.find((l) => DIRECTION.test(l));
  const blocks: string[][] = [];
  for (const l of firstM < 0 ? [] : lines.slice(firstM)) {
    if (l.startsWith("m=")) blocks.push([l]);
    else blocks[blocks.length - 1]!.push(l);
  }
  const proto = typeof flags["transport-protocol"] === "string" ? flags["transport-protocol"] : undefined;
  const ice = flags.ICE === "force";
  const dtls = flags.DTLS !== undefined && flags.DTLS !== "off" && (proto ?? "").includes("TLS");
  const mux = Array.isArray(flags["rtcp-mux"]) && flags["rtcp-mux"].includes("offer");
  const transcode = transcodeList(flags);
  const offeredCodecs = opts.offered ? codecsOf(opts.offered) : undefined;
  blocks.forEach((block, index) => {
    const [m = "", ...attrs] = block;
    const [media = "audio", port = "0", inProto = "RTP/AVP", ...fmts] = m.slice(2).split(" ");
    if (port === "0") {
      out.push(m, ...attrs.filter((a) => a.startsWith("a=mid:")));
      return;
    }
    const rtpPort = opts.port + index * 2;
    let codecs = codecsOf(block.join("\r\n"), fmts);
    if (opts.kind === "answer" && offeredCodecs) {
      const kept = offeredCodecs.filter((c) => codecs.some((a) => sameCodec(a, c)));
      codecs = kept.length > 0 ? kept : offeredCodecs.slice(0, 1);
    }
    if (opts.kind === "offer") codecs = [...codecs, ...addedCodecs(codecs, transcode)];
    out.push(`m=${media} ${rtpPort} ${proto ?? inProto} ${codecs.map((c) => c.pt).join(" ")}`);
    out.push(...attrs.filter((a) => PASSED.test(a)));
    for (const c of codecs) out.push(...c.lines);
    out.push(attrs.find((a) => DIRECTION.test(a)) ?? sessionDirection ?? "a=sendrecv");
    out.push(`a=rtcp:${mux && opts.kind === "answer" ? rtpPort : rtpPort + 1}`);
    if (mux) out.push("a=rtcp-mux");
    if (dtls) {
      out.push(opts.kind === "offer" ? "a=setup:actpass" : "a=setup:passive");
      out.push(`a=fingerprint:sha-256 ${RTPENGINE_FINGERPRINT}`);
    }
    out.push(...attrs.filter((a) => /^a=(ptime|maxptime):/.test(a)));
    if (ice) {
      const n = rtpPort.toString(36);
      out.push(`a=ice-ufrag:rtpe${n}`, `a=ice-pwd:rtpengineIcePassword${n}XY`, "a=ice-options:trickle");
      out.push(`a=candidate:Fo7E44ncYiHueKYC 1 UDP 2130706431 ${MEDIA_IP} ${rtpPort} typ host`);
      if (opts.kind === "offer")
        out.push(`a=candidate:Fo7E44ncYiHueKYC 2 UDP 2130706430 ${MEDIA_IP} ${rtpPort + 1} typ host`);
      else out.push("a=end-of-candidates");
    }
  });
  return out.join("\r\n") + "\r\n";
}

const RTPENGINE_FINGERPRINT =
  "81:E7:7A:6D:B5:09:B8:33:FC:67:90:19:F7:50:7C:EB:62:82:6B:42:6F:60:42:1F:E7:96:10:5E:10:A1:B9:20";
const DIRECTION = /^a=(sendrecv|sendonly|recvonly|inactive)$/;
/** What rtpengine passes through untouched (besides codecs): WebRTC's extras and a=mid. */
const PASSED = /^a=(extmap|extmap-allow-mixed|rtcp-rsize|ssrc|ssrc-group|msid|mid)(:|$)/;

interface Codec {
  pt: string;
  name: string;
  clock: string;
  lines: string[];
}

const STATIC: Record<string, string> = { "0": "PCMU/8000", "8": "PCMA/8000", "9": "G722/8000" };

function codecsOf(sdp: string, formats?: string[]): Codec[] {
  const fmts = formats ?? /^m=audio \d+ \S+ (.*)$/m.exec(sdp)?.[1]?.split(" ") ?? [];
  const attrs = sdp.split(/\r?\n/);
  return fmts.map((pt) => {
    const rtpmap = attrs.find((a) => a.startsWith(`a=rtpmap:${pt} `));
    const enc = rtpmap?.slice(`a=rtpmap:${pt} `.length) ?? STATIC[pt] ?? `unknown${pt}/8000`;
    const [name = "", clock = ""] = enc.split("/");
    const own = (a: string) =>
      a.startsWith(`a=fmtp:${pt} `) || a.startsWith(`a=rtcp-fb:${pt} `) || a.startsWith(`a=rtcp-fb:* `);
    return { pt, name, clock, lines: [`a=rtpmap:${pt} ${enc}`, ...attrs.filter(own)] };
  });
}

function sameCodec(a: Codec, b: Codec): boolean {
  return a.name.toLowerCase() === b.name.toLowerCase() && a.clock === b.clock;
}

function transcodeList(flags: Record<string, unknown>): string[] {
  const codec = flags.codec;
  if (typeof codec !== "object" || codec === null) return [];
  const t = (codec as { transcode?: unknown }).transcode;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === "string") : [];
}

function addedCodecs(have: Codec[], names: string[]): Codec[] {
  const added: Codec[] = [];
  let next = 96;
  const free = () => {
    while (have.some((c) => c.pt === String(next)) || added.some((c) => c.pt === String(next))) next++;
    return String(next);
  };
  for (const name of names) {
    if (have.some((c) => c.name.toLowerCase() === name.toLowerCase())) continue;
    if (name.toLowerCase() === "opus") {
      const pt = free();
      added.push({ pt, name: "opus", clock: "48000", lines: [`a=rtpmap:${pt} opus/48000/2`] });
      if (have.some((c) => c.name === "telephone-event" && c.clock === "8000")) {
        const te = free();
        added.push({
          pt: te,
          name: "telephone-event",
          clock: "48000",
          lines: [`a=rtpmap:${te} telephone-event/48000`, `a=fmtp:${te} 0-15`],
        });
      }
    } else if (name === "PCMU" || name === "PCMA") {
      const pt = name === "PCMU" ? "0" : "8";
      added.push({ pt, name, clock: "8000", lines: [`a=rtpmap:${pt} ${name}/8000`] });
    }
  }
  return added;
}

// --- Alice's client: what it sends, from the captured stanzas -----------------------------------

const FIXTURES = fileURLToPath(new URL("../fixtures/call/jingle-webrtc/", import.meta.url));
const texts = new Map<string, string>();

function parseClientStanza(text: string): Element {
  const parser = new xml.Parser();
  let stanza: Element | undefined;
  parser.on("element", (el: Element) => {
    stanza ??= el;
  });
  parser.write(`<stream:stream xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams">`);
  parser.write(text);
  if (!stanza) throw new Error("no stanza parsed");
  return stanza;
}

function fixture(file: string): Element {
  let text = texts.get(file);
  if (text === undefined) {
    text = readFileSync(FIXTURES + file, "utf8");
    texts.set(file, text);
  }
  return parseClientStanza(text);
}

const JMI_FILES = {
  propose: "jmi-audio-call/001-jmi-propose-alice-to-bob.xml",
  ringing: "jmi-audio-call/002-jmi-ringing-bob-to-alice.xml",
  proceed: "jmi-audio-call/003-jmi-proceed-bob-to-alice.xml",
  accept: "jmi-audio-call/004-jmi-accept-bob-to-bob.xml",
  reject: "jmi-reject/003-jmi-reject-bob-to-alice.xml",
  retract: "jmi-retract/003-jmi-retract-alice-to-bob.xml",
  finish: "jmi-audio-call/018-jmi-finish-alice-to-bob.xml",
} as const;

const JINGLE_FILES = {
  "session-initiate": "jmi-audio-call/005-jingle-session-initiate-alice-to-bob.xml",
  "transport-info": "jmi-audio-call/006-jingle-transport-info-alice-to-bob.xml",
  "session-accept": "jmi-audio-call/008-jingle-session-accept-bob-to-alice.xml",
  "session-terminate": "jmi-audio-call/017-jingle-session-terminate-alice-to-bob.xml",
} as const;

export type JmiKind = keyof typeof JMI_FILES;
export type JingleKind = keyof typeof JINGLE_FILES;

function setReason(holder: Element, condition: string | undefined): void {
  if (condition === undefined) return;
  const reason = holder.getChild("reason");
  if (!reason) return;
  reason.children = [xml(condition)];
}

/**
 * Alice's WebRTC client (StanzaJS in Chromium, as captured), re-addressed: her device is `jid`, the
 * stanzas go to the JID the gateway gives Bob, and the ids are the test's.
 */
export class Alice {
  constructor(
    readonly jid = ALICE_LAPTOP,
    readonly peer = BOB_PHONE,
  ) {}

  /** A XEP-0353 message of `kind` for session `sid`, with `reason` replacing the captured one. */
  jmi(kind: JmiKind, sid: string, opts: { reason?: string; to?: string } = {}): Element {
    const m = fixture(JMI_FILES[kind]);
    m.attrs.from = this.jid;
    // propose, retract and finish go to the bare JID (XEP-0353 section 3), the rest to the device.
    m.attrs.to =
      opts.to ??
      (kind === "propose" || kind === "retract" || kind === "finish" ? bare(this.peer) : this.peer);
    if (kind === "accept") m.attrs.to = bare(this.jid);
    m.attrs.id = `${kind}-${sid}`;
    const child = m.getChildElements().find((c) => c.attrs.xmlns === NS_JINGLE_MESSAGE)!;
    child.attrs.id = sid;
    setReason(child, opts.reason);
    return m;
  }

  /** A Jingle iq set of `kind` for session `sid`, as her client sent it. */
  jingle(kind: JingleKind, sid: string, opts: { reason?: string; to?: string } = {}): Element {
    const iq = fixture(JINGLE_FILES[kind]);
    iq.attrs.from = this.jid;
    iq.attrs.to = opts.to ?? this.peer;
    iq.attrs.id = `${kind}-${sid}`;
    const j = iq.getChild("jingle", NS_JINGLE)!;
    j.attrs.sid = sid;
    if (j.attrs.initiator !== undefined) j.attrs.initiator = this.jid;
    if (j.attrs.responder !== undefined) j.attrs.responder = this.jid;
    setReason(j, opts.reason);
    return iq;
  }

  /**
   * Her session-accept to the gateway's session-initiate `initiate`, as her WebRTC stack answers: the
   * captured answer's ICE credentials and DTLS fingerprint (setup='active'), or a RAW-UDP candidate
   * when RAW-UDP was offered; of the offered payload types, those the captured answer has, in its
   * order (Chromium's preference), with the offered ids.
   */
  accept(initiate: Element): Element {
    const offer = initiate.getChild("jingle", NS_JINGLE)!;
    const offered = offer.getChild("content")!;
    const iq = this.jingle("session-accept", offer.attrs.sid ?? "");
    const j = iq.getChild("jingle", NS_JINGLE)!;
    const content = j.getChild("content")!;
    content.attrs.name = offered.attrs.name;
    for (const g of j.getChildren("group")) {
      g.children = [];
      g.append(xml("content", { name: offered.attrs.name }));
    }
    const description = content.getChild("description", NS_JINGLE_RTP)!;
    const key = (p: Element) => `${(p.attrs.name ?? "").toLowerCase()}/${p.attrs.clockrate ?? ""}`;
    const theirs = offered.getChild("description", NS_JINGLE_RTP)?.getChildren("payload-type") ?? [];
    const chosen = description
      .getChildren("payload-type")
      .flatMap((mine) => theirs.filter((t) => key(t) === key(mine)))
      .map((t) =>
        xml(
          "payload-type",
          { ...t.attrs },
          ...t.getChildren("parameter").map((p) => xml("parameter", { ...p.attrs })),
        ),
      );
    const rest = description.children.filter((c) => typeof c === "string" || c.name !== "payload-type");
    description.children = rest;
    for (const p of chosen) description.append(p);
    if (offered.getChild("transport", NS_JINGLE_RAW_UDP)) {
      content.children = content.children.filter((c) => typeof c === "string" || c.name !== "transport");
      content.append(
        xml(
          "transport",
          { xmlns: NS_JINGLE_RAW_UDP },
          xml("candidate", { id: "c1", component: "1", generation: "0", ip: "192.0.2.50", port: "40000" }),
        ),
      );
    }
    return iq;
  }

  /** A session-info iq carrying `payload` (XEP-0167 section 7 <hold/>..., XEP-0181 <dtmf/>). */
  sessionInfo(sid: string, payload: Element): Element {
    return xml(
      "iq",
      {
        type: "set",
        from: this.jid,
        to: this.peer,
        id: `info-${sid}-${Math.random().toString(36).slice(2)}`,
      },
      xml("jingle", { xmlns: NS_JINGLE, action: "session-info", sid }, payload),
    );
  }
}

function bare(jid: string): string {
  const i = jid.indexOf("/");
  return i < 0 ? jid : jid.slice(0, i);
}

// --- the harness ------------------------------------------------------------------------------------

/** The doors of a call bridge around `media` (a FakeMedia, or the real MediaLink in the benchmark). */
export interface CallDoors<M extends MediaPort> {
  bridge: CallBridge;
  ctx: CallContext;
  xmpp: FakeCallXmpp;
  sip: FakeSipCalls;
  media: M;
  alice: Alice;
  /** Delivers an iq to the bridge's Jingle handler (what ComponentLink.onIq does). */
  jingle(iq: Element): true;
  /** Delivers a message to the bridge's stanza handler. */
  message(m: Element): Promise<boolean>;
  /** A new INVITE from Bob (or as told) to Alice. */
  incoming(opts?: { uri?: string; from?: string; sdp?: string }): FakeIncomingInvite;
}

export type CallHarness = CallDoors<FakeMedia>;

export interface CallHarnessOptions {
  settings?: Partial<CallSettings>;
  log?: Logger;
}

/** A real CallBridge with recorded XMPP and SIP doors and `media`. */
export function callDoors<M extends MediaPort>(media: M, opts: CallHarnessOptions = {}): CallDoors<M> {
  const xmpp = new FakeCallXmpp();
  const sip = new FakeSipCalls();
  let n = 0;
  const ctx: CallContext = {
    xmpp,
    sip,
    media,
    addresses: new AddressMapper({
      componentDomain: "sip.example.com",
      sipDomains: ["sip.example.com"],
      xmppDomains: ["xmpp.example.com"],
    }),
    settings: { outboundProxy: "", ringTimeout: 60_000, iqTimeout: 1_000, ...opts.settings },
    log: opts.log ?? moduleLogger("call-test"),
    newId: () => `id${++n}`,
  };
  const bridge = new CallBridge(ctx);
  let invites = 0;
  return {
    bridge,
    ctx,
    xmpp,
    sip,
    media,
    alice: new Alice(),
    jingle: (iq) => bridge.handleJingle(iq, iq.getChild("jingle", NS_JINGLE)!),
    message: (m) => bridge.handleStanza(m),
    incoming: (o = {}) => new FakeIncomingInvite(`in-${++invites}@phone`, o),
  };
}

/** A real CallBridge with every door recorded; `mediaTimeout` is FakeMedia's stand-in for MediaLink's. */
export function callHarness(opts: CallHarnessOptions & { mediaTimeout?: number } = {}): CallHarness {
  return callDoors(new FakeMedia(opts.mediaTimeout), opts);
}
