/**
 * A Node RTP endpoint for end-to-end call tests: one UDP socket on 127.0.0.1 (ephemeral port) that
 * sends and counts RTP, sends and records RFC 4733 telephone-events, and optionally answers and sends
 * ICE connectivity checks (RFC 8445 STUN Binding, host candidate only, no DTLS, no SRTP).
 *
 *     const peer = await RtpPeer.start({ ice: true });
 *     const offer = peer.sdp();                        // m=audio <port> RTP/AVP 0 101 (+ ICE attributes)
 *     ... give `offer` to rtpengine (or as Jingle), get the far side's SDP back ...
 *     peer.useSdp(answerSdp);                          // send RTP there; starts ICE checks if it has ICE
 *     await peer.send(0, 50, 20);                      // 50 PCMU packets, 20 ms apart
 *     await peer.sendDtmf(5, 200, { payloadType: 101 });
 *     await peer.waitFor(() => peer.receivedCount(0) >= 10, 5000);
 *     peer.dtmfEvents();                               // [{ event: 5, ended: true, ... }] from the far side
 *     await peer.close();
 *
 * Packets are told apart by their first byte (RFC 7983): 0-3 STUN, 128-191 RTP or RTCP (RTCP when the
 * second byte is 192-223, RFC 5761). Received RTP is counted per payload type, with its source address.
 *
 * ICE: the local credentials and host candidate go into the SDP (or a Jingle <transport/>). Incoming
 * Binding Requests are checked (USERNAME `localUfrag:remoteUfrag`, MESSAGE-INTEGRITY keyed by the local
 * ice-pwd, FINGERPRINT) and answered with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT.
 * Once the remote credentials are known (`startIce` / `useSdp`), the peer sends its own checks
 * (USERNAME `remoteUfrag:localUfrag`, keyed by the remote pwd, PRIORITY, ICE-CONTROLLED or
 * ICE-CONTROLLING + USE-CANDIDATE) every 50 ms until one succeeds. Role conflicts (487) are resolved as
 * RFC 8445 §7.3.1.1 says. Media goes to the nominated candidate once there is one.
 *
 * With rtpengine 10.5 (RTP/AVP, no DTLS, no transport-protocol change): pass `ICE: "force"` on the ng
 * command whose SDP goes to the ICE peer (the offer when the ICE peer answers: needed; the answer when
 * the ICE peer offered: the default keeps ICE there too) and `ICE: "remove"` on the one towards the plain leg.
 * rtpengine is controlling on a leg it sent the offer to, controlled on the offerer's leg (so a
 * "controlled" peer that offers meets a role conflict, which the tie-breakers settle either way);
 * its 487 carries no MESSAGE-INTEGRITY. RTP flowing proves nothing about ICE: rtpengine also sends to
 * the SDP address and latches onto the first RTP source without a successful check. Assert on
 * `iceState` (requestsReceived > 0: rtpengine's checks passed our USERNAME/MESSAGE-INTEGRITY;
 * successes > 0; nominated) and read `iceState.log` in the failure message.
 */
import { randomBytes, randomInt } from "node:crypto";
import dgram from "node:dgram";
import { setTimeout as sleep } from "node:timers/promises";
import {
  StunType,
  StunAttr,
  type StunAttribute,
  type StunMessage,
  encodeStun,
  decodeStun,
  stunAttribute,
  checkStunIntegrity,
  checkStunFingerprint,
  xorMappedAddress,
} from "./stun.js";
import { type IceCandidate, type SdpAudio, parseSdpAudio } from "./sdp-audio.js";

export * from "./stun.js";
export * from "./sdp-audio.js";

const HOST = "127.0.0.1";

// ---------------------------------------------------------------------------------------------------
// The peer

export interface RtpPeerOptions {
  /** Be an ICE agent: `true` for random credentials, or give them. Default: no ICE. */
  ice?: boolean | { ufrag?: string; pwd?: string; role?: IceRole };
  /** Payload types recorded as RFC 4733 telephone-events when received, default [101]. */
  dtmfPayloadTypes?: number[];
}

export type IceRole = "controlled" | "controlling";

export interface ReceivedDtmfEvent {
  event: number;
  /** An end-bit packet was received. */
  ended: boolean;
  /** The largest duration field seen, in timestamp units (8 per ms at 8 kHz). */
  duration: number;
  volume: number;
  timestamp: number;
  packets: number;
  payloadType: number;
}

export interface IceState {
  role: IceRole;
  /** Valid Binding Requests received (and answered with a success response). */
  requestsReceived: number;
  /** Binding Requests sent by us. */
  requestsSent: number;
  /** Valid success responses to our requests. */
  successes: number;
  /** Where the nominated pair points (USE-CANDIDATE received when controlled, sent when controlling). */
  nominated?: { address: string; port: number };
  /**
   * What happened besides plain success, for assertion messages: rejected STUN (bad USERNAME,
   * MESSAGE-INTEGRITY, FINGERPRINT), error responses, role conflicts and role switches.
   */
  log: string[];
}

const ICE_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
function iceString(length: number): string {
  return Array.from({ length }, () => ICE_CHARS[randomInt(ICE_CHARS.length)]).join("");
}

/** RFC 8445 §5.1.2.1 priority with type preference 126 (host) or 110 (prflx), local preference 65535. */
function candidatePriority(typePreference: number, component = 1): number {
  return typePreference * 2 ** 24 + 65535 * 2 ** 8 + (256 - component);
}

export class RtpPeer {
  readonly address = HOST;
  readonly port: number;
  readonly ssrc = randomBytes(4).readUInt32BE(0);
  /** Local ICE credentials (undefined without ICE). */
  readonly ice: { ufrag: string; pwd: string } | undefined;
  readonly iceState: IceState;
  /** Where RTP is sent: set by setRemote/useSdp, replaced by the nominated ICE candidate. */
  remote: { address: string; port: number } | undefined;
  /** Received RTP (not RTCP) packets per payload type. */
  readonly received = new Map<number, number>();
  /** Received RTP packets per source "address:port". */
  readonly sources = new Map<string, number>();
  lastSource: { address: string; port: number } | undefined;
  rtcpReceived = 0;
  /** Datagrams that were neither STUN nor RTP/RTCP. */
  otherReceived = 0;
  private readonly socket: dgram.Socket;
  private readonly dtmfPayloadTypes: Set<number>;
  private readonly dtmf = new Map<string, ReceivedDtmfEvent>();
  private seq = randomInt(0, 0x8000);
  private timestamp = randomInt(0, 0x7fffffff);
  private remoteIce: { ufrag: string; pwd: string; candidates: IceCandidate[] } | undefined;
  private readonly tieBreaker = randomBytes(8);
  private readonly pending = new Map<string, { address: string; port: number; useCandidate: boolean }>();
  private checkTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(socket: dgram.Socket, opts: RtpPeerOptions) {
    this.socket = socket;
    this.port = socket.address().port;
    this.dtmfPayloadTypes = new Set(opts.dtmfPayloadTypes ?? [101]);
    const ice = opts.ice === true ? {} : opts.ice === false ? undefined : opts.ice;
    this.ice = ice ? { ufrag: ice.ufrag ?? iceString(8), pwd: ice.pwd ?? iceString(24) } : undefined;
    this.iceState = {
      role: (ice && ice.role) ?? "controlled",
      requestsReceived: 0,
      requestsSent: 0,
      successes: 0,
      log: [],
    };
    socket.on("message", (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  /** Binds a UDP socket on 127.0.0.1 (ephemeral port). */
  static async start(opts: RtpPeerOptions = {}): Promise<RtpPeer> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, HOST, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    // Sends to a port nobody listens on yet give ICMP errors: ignore them (media tests wait for counters).
    socket.on("error", () => undefined);
    return new RtpPeer(socket, opts);
  }

  /** Our host candidate (component 1), for an SDP a=candidate line or a Jingle <candidate/>. */
  get candidate(): IceCandidate {
    return {
      foundation: "1",
      component: 1,
      protocol: "udp",
      priority: candidatePriority(126),
      ip: this.address,
      port: this.port,
      type: "host",
    };
  }

  /**
   * An SDP offer/answer for this peer: `m=audio <port> RTP/AVP <payloadTypes>` (default PCMU and
   * telephone-event/8000 as 101), c=127.0.0.1, a=rtcp-mux, plus ICE attributes when ICE is on.
   */
  sdp(opts: { payloadTypes?: number[]; direction?: SdpAudio["direction"] } = {}): string {
    const pts = opts.payloadTypes ?? [0, 101];
    const names: Record<number, string> = { 0: "PCMU/8000", 8: "PCMA/8000", 9: "G722/8000" };
    const c = this.candidate;
    return [
      "v=0",
      `o=- ${this.ssrc} 1 IN IP4 ${this.address}`,
      "s=-",
      `c=IN IP4 ${this.address}`,
      "t=0 0",
      `m=audio ${this.port} RTP/AVP ${pts.join(" ")}`,
      ...pts.map((pt) => `a=rtpmap:${pt} ${names[pt] ?? "telephone-event/8000"}`),
      ...pts.filter((pt) => names[pt] == null).map((pt) => `a=fmtp:${pt} 0-16`),
      "a=ptime:20",
      `a=${opts.direction ?? "sendrecv"}`,
      "a=rtcp-mux",
      ...(this.ice
        ? [
            `a=ice-ufrag:${this.ice.ufrag}`,
            `a=ice-pwd:${this.ice.pwd}`,
            `a=candidate:${c.foundation} ${c.component} UDP ${c.priority} ${c.ip} ${c.port} typ host`,
          ]
        : []),
      "",
    ].join("\r\n");
  }

  /** Sends RTP to this address from now on. */
  setRemote(address: string, port: number): void {
    this.remote = { address, port };
  }

  /**
   * Takes the far side's SDP: RTP goes to its c=/m= address, and if both sides do ICE, checks start
   * towards its component-1 UDP candidates.
   */
  useSdp(sdp: string): SdpAudio {
    const audio = parseSdpAudio(sdp);
    this.setRemote(audio.address, audio.port);
    if (this.ice && audio.ufrag != null && audio.pwd != null) {
      this.startIce({ ufrag: audio.ufrag, pwd: audio.pwd, candidates: audio.candidates });
    }
    return audio;
  }

  /** Learns the remote ICE credentials and candidates and starts connectivity checks. */
  startIce(remote: { ufrag: string; pwd: string; candidates: IceCandidate[] }): void {
    if (!this.ice) throw new Error("RtpPeer: startIce() without ICE");
    this.remoteIce = remote;
    clearInterval(this.checkTimer);
    this.checkTimer = setInterval(() => this.sendChecks(), 50);
    this.checkTimer.unref();
    this.sendChecks();
  }

  private sendChecks(): void {
    const remote = this.remoteIce;
    const done =
      this.iceState.successes > 0 && (this.iceState.role === "controlled" || this.iceState.nominated);
    if (!remote || !this.ice || done || this.closed) {
      clearInterval(this.checkTimer);
      return;
    }
    for (const cand of remote.candidates) {
      if (cand.component !== 1 || cand.protocol !== "udp" || cand.ip.includes(":")) continue;
      const transactionId = randomBytes(12);
      const controlling = this.iceState.role === "controlling";
      const priority = Buffer.alloc(4);
      priority.writeUInt32BE(candidatePriority(110), 0);
      const attributes: StunAttribute[] = [
        { type: StunAttr.Username, value: Buffer.from(`${remote.ufrag}:${this.ice.ufrag}`) },
        { type: StunAttr.Priority, value: priority },
        { type: controlling ? StunAttr.IceControlling : StunAttr.IceControlled, value: this.tieBreaker },
        ...(controlling ? [{ type: StunAttr.UseCandidate, value: Buffer.alloc(0) }] : []),
      ];
      const msg = encodeStun({
        type: StunType.BindingRequest,
        transactionId,
        attributes,
        integrityKey: remote.pwd,
      });
      this.pending.set(transactionId.toString("hex"), {
        address: cand.ip,
        port: cand.port,
        useCandidate: controlling,
      });
      this.iceState.requestsSent++;
      this.socket.send(msg, cand.port, cand.ip);
    }
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const first = msg[0] ?? 0xff;
    if (first < 4) this.onStun(msg, rinfo);
    else if (first >= 128 && first < 192 && msg.length >= 12) this.onRtp(msg, rinfo);
    else this.otherReceived++;
  }

  private onRtp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const second = msg[1] ?? 0;
    if (second >= 192 && second <= 223) {
      this.rtcpReceived++;
      return;
    }
    const pt = second & 0x7f;
    this.received.set(pt, (this.received.get(pt) ?? 0) + 1);
    const source = `${rinfo.address}:${rinfo.port}`;
    this.sources.set(source, (this.sources.get(source) ?? 0) + 1);
    this.lastSource = { address: rinfo.address, port: rinfo.port };
    if (!this.dtmfPayloadTypes.has(pt)) return;
    const csrcs = (msg[0] ?? 0) & 0x0f;
    let off = 12 + 4 * csrcs;
    if ((msg[0] ?? 0) & 0x10 && msg.length >= off + 4) off += 4 + 4 * msg.readUInt16BE(off + 2);
    if (msg.length < off + 4) return;
    const timestamp = msg.readUInt32BE(4);
    const event = msg[off] ?? 0;
    const flags = msg[off + 1] ?? 0;
    const duration = msg.readUInt16BE(off + 2);
    const key = `${msg.readUInt32BE(8)}/${timestamp}`;
    const known = this.dtmf.get(key) ?? {
      event,
      ended: false,
      duration: 0,
      volume: flags & 0x3f,
      timestamp,
      packets: 0,
      payloadType: pt,
    };
    known.packets++;
    known.ended ||= (flags & 0x80) !== 0;
    known.duration = Math.max(known.duration, duration);
    this.dtmf.set(key, known);
  }

  private onStun(raw: Buffer, rinfo: dgram.RemoteInfo): void {
    const note = (text: string): void => {
      this.iceState.log.push(`${text} (from ${rinfo.address}:${rinfo.port})`);
    };
    let msg: StunMessage;
    try {
      msg = decodeStun(raw);
    } catch (err) {
      note(`bad STUN: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (!this.ice) {
      note("STUN received without ICE");
      return;
    }
    if (!checkStunFingerprint(msg)) note(`STUN type ${msg.type} without a valid FINGERPRINT`);
    if (msg.type === StunType.BindingRequest) this.onBindingRequest(msg, rinfo, note);
    else if (msg.type === StunType.BindingSuccess || msg.type === StunType.BindingError)
      this.onBindingResponse(msg, note);
    else note(`unexpected STUN type 0x${msg.type.toString(16)}`);
  }

  private onBindingRequest(msg: StunMessage, rinfo: dgram.RemoteInfo, note: (t: string) => void): void {
    const ice = this.ice;
    if (!ice) return;
    const username = stunAttribute(msg, StunAttr.Username)?.toString("utf8") ?? "";
    const [localPart, remotePart] = username.split(":");
    const remoteUfrag = this.remoteIce?.ufrag;
    if (localPart !== ice.ufrag || (remoteUfrag != null && remotePart !== remoteUfrag)) {
      note(`Binding Request with USERNAME "${username}", expected "${ice.ufrag}:${remoteUfrag ?? "*"}"`);
      this.sendError(msg, rinfo, 401, "Unauthorized");
      return;
    }
    if (!checkStunIntegrity(msg, ice.pwd)) {
      note("Binding Request with a bad MESSAGE-INTEGRITY");
      this.sendError(msg, rinfo, 401, "Unauthorized");
      return;
    }
    // RFC 8445 §7.3.1.1: detecting and repairing role conflicts.
    const theirs = (type: number): Buffer | undefined => stunAttribute(msg, type);
    const controlling = theirs(StunAttr.IceControlling);
    const controlled = theirs(StunAttr.IceControlled);
    if (this.iceState.role === "controlling" && controlling) {
      if (Buffer.compare(this.tieBreaker, controlling) >= 0) {
        note("role conflict (both controlling): answered 487");
        this.sendError(msg, rinfo, 487, "Role Conflict");
        return;
      }
      this.switchRole("controlled", "both controlling, their tie-breaker is larger");
    } else if (this.iceState.role === "controlled" && controlled) {
      if (Buffer.compare(this.tieBreaker, controlled) >= 0) {
        this.switchRole("controlling", "both controlled, our tie-breaker is larger");
      } else {
        note("role conflict (both controlled): answered 487");
        this.sendError(msg, rinfo, 487, "Role Conflict");
        return;
      }
    }
    this.iceState.requestsReceived++;
    const response = encodeStun({
      type: StunType.BindingSuccess,
      transactionId: msg.transactionId,
      attributes: [{ type: StunAttr.XorMappedAddress, value: xorMappedAddress(rinfo.address, rinfo.port) }],
      integrityKey: ice.pwd,
    });
    this.socket.send(response, rinfo.port, rinfo.address);
    if (this.iceState.role === "controlled" && stunAttribute(msg, StunAttr.UseCandidate) != null) {
      this.nominate(rinfo.address, rinfo.port);
    }
  }

  private onBindingResponse(msg: StunMessage, note: (t: string) => void): void {
    const id = msg.transactionId.toString("hex");
    const check = this.pending.get(id);
    if (!check) return; // a retransmission's answer, or an answer to a check of an older role
    this.pending.delete(id);
    const integrity = checkStunIntegrity(msg, this.remoteIce?.pwd ?? "");
    if (msg.type === StunType.BindingError) {
      const code = stunAttribute(msg, StunAttr.ErrorCode);
      const status = code && code.length >= 4 ? (code[2] ?? 0) * 100 + (code[3] ?? 0) : 0;
      const reason = code && code.length > 4 ? code.subarray(4).toString("utf8") : "";
      note(`Binding error response ${status} ${reason}${integrity ? "" : " (no valid MESSAGE-INTEGRITY)"}`);
      // RFC 8445 §7.2.5.1: a 487 makes the agent switch its role and check again. (rtpengine 10.5 sends its
      // 487 without MESSAGE-INTEGRITY, so it is not required here.)
      if (status === 487 && this.remoteIce) {
        this.switchRole(this.iceState.role === "controlling" ? "controlled" : "controlling", "487 received");
        this.startIce(this.remoteIce);
      }
      return;
    }
    if (!integrity) {
      note("Binding success response with a bad MESSAGE-INTEGRITY");
      return;
    }
    this.iceState.successes++;
    if (check.useCandidate) this.nominate(check.address, check.port);
  }

  private switchRole(role: IceRole, why: string): void {
    this.iceState.log.push(`switched ICE role to ${role}: ${why}`);
    this.iceState.role = role;
  }

  private nominate(address: string, port: number): void {
    this.iceState.nominated = { address, port };
    this.remote = { address, port };
  }

  private sendError(msg: StunMessage, rinfo: dgram.RemoteInfo, code: number, reason: string): void {
    const value = Buffer.concat([
      Buffer.from([0, 0, Math.floor(code / 100), code % 100]),
      Buffer.from(reason),
    ]);
    const response = encodeStun({
      type: StunType.BindingError,
      transactionId: msg.transactionId,
      attributes: [{ type: StunAttr.ErrorCode, value }],
      integrityKey: code === 401 ? undefined : this.ice?.pwd,
    });
    this.socket.send(response, rinfo.port, rinfo.address);
  }

  private rtpPacket(payloadType: number, payload: Buffer, marker: boolean): Buffer {
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
    header.writeUInt16BE(this.seq, 2);
    header.writeUInt32BE(this.timestamp >>> 0, 4);
    header.writeUInt32BE(this.ssrc, 8);
    this.seq = (this.seq + 1) & 0xffff;
    return Buffer.concat([header, payload]);
  }

  private sendRaw(packet: Buffer): void {
    const to = this.remote;
    if (!to) throw new Error("RtpPeer: no remote address (call setRemote() or useSdp() first)");
    this.socket.send(packet, to.port, to.address);
  }

  /**
   * Sends `count` RTP packets of `payloadSize` bytes (default 160: 20 ms of G.711), `intervalMs` apart.
   * Payload bytes are silence: 0xD5 for PCMA (8), 0xFF otherwise (PCMU). The timestamp advances by
   * `payloadSize` per packet (8 kHz G.711).
   */
  async send(payloadType: number, count: number, intervalMs = 20, payloadSize = 160): Promise<void> {
    const payload = Buffer.alloc(payloadSize, payloadType === 8 ? 0xd5 : 0xff);
    for (let i = 0; i < count; i++) {
      if (this.closed) return;
      this.sendRaw(this.rtpPacket(payloadType, payload, false));
      this.timestamp += payloadSize;
      if (i < count - 1) await sleep(intervalMs);
    }
  }

  /**
   * Sends one RFC 4733 telephone-event (`event` 0-9 digits, 10 "*", 11 "#", 12-15 A-D) lasting
   * `durationMs`: one packet every 20 ms with the same timestamp and a growing duration, the marker bit
   * on the first, the end bit on the last three (retransmissions of the final packet, RFC 4733 §2.5.1.4).
   */
  async sendDtmf(
    event: number,
    durationMs: number,
    opts: { payloadType?: number; volume?: number } = {},
  ): Promise<void> {
    const pt = opts.payloadType ?? 101;
    const steps = Math.max(1, Math.round(durationMs / 20));
    const packet = (duration: number, end: boolean, marker: boolean): Buffer => {
      const payload = Buffer.alloc(4);
      payload[0] = event;
      payload[1] = (end ? 0x80 : 0) | ((opts.volume ?? 10) & 0x3f);
      payload.writeUInt16BE(Math.min(duration, 0xffff), 2);
      return this.rtpPacket(pt, payload, marker);
    };
    for (let i = 1; i <= steps; i++) {
      if (this.closed) return;
      const last = i === steps;
      this.sendRaw(packet(i * 160, last, i === 1));
      if (last) {
        this.sendRaw(packet(i * 160, true, false));
        this.sendRaw(packet(i * 160, true, false));
      } else await sleep(20);
    }
    this.timestamp += steps * 160;
  }

  /** Received RTP packets of one payload type, or of all when omitted. */
  receivedCount(payloadType?: number): number {
    if (payloadType != null) return this.received.get(payloadType) ?? 0;
    let total = 0;
    for (const n of this.received.values()) total += n;
    return total;
  }

  /** Received telephone-events, in arrival order of their first packet. */
  dtmfEvents(): ReceivedDtmfEvent[] {
    return [...this.dtmf.values()];
  }

  /** Forgets received counters and events (not the ICE state). */
  resetCounters(): void {
    this.received.clear();
    this.sources.clear();
    this.dtmf.clear();
    this.lastSource = undefined;
    this.rtcpReceived = 0;
    this.otherReceived = 0;
  }

  /** Waits until `condition()` holds, checking every 10 ms; rejects with `describe()` after `timeoutMs`. */
  async waitFor(condition: () => boolean, timeoutMs: number, describe?: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() >= deadline) {
        throw new Error(
          `RtpPeer ${this.port}: condition not met within ${timeoutMs} ms. ${describe?.() ?? this.describe()}`,
        );
      }
      await sleep(10);
    }
  }

  /** A one-line summary for assertion messages. */
  describe(): string {
    return JSON.stringify({
      port: this.port,
      remote: this.remote,
      received: Object.fromEntries(this.received),
      sources: Object.fromEntries(this.sources),
      rtcp: this.rtcpReceived,
      dtmf: this.dtmfEvents(),
      ice: this.ice ? this.iceState : undefined,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.checkTimer);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
