// A scripted SIP phone for the call tests: a raw UDP socket that answers the application's INVITEs, calls the
// application, and sends requests inside the dialog it shares with it; plus typings for the parts of
// drachtio-srf's Dialog and SipError the call tests use (its bundled typings miss several of them).
import { randomBytes } from "node:crypto";
import { splitNameAddr, tagOf, uriOf } from "../../support/drachtio/sip-addr.js";
import type { SipMessage } from "../../support/drachtio/sip-message.js";
import { UdpPeer, type SrfDialog, type SrfReq, type SrfRes, type TestSrf } from "./harness.js";

export interface CallDialog extends SrfDialog {
  modify(sdp: string): Promise<string>;
  sip: { callId: string; localTag: string; remoteTag: string };
  local: { sdp: string; contact: string };
  remote: { sdp: string };
}

/** What drachtio-srf rejects a failed createUAC / modify with (lib/sip_error.js). */
export interface SipErrorLike {
  name: string;
  status: number;
  reason?: string;
  message: string;
  res?: SrfRes;
}

export interface UacOptions {
  localSdp?: string;
  headers?: Record<string, string>;
  proxy?: string;
}
export interface UacProgress {
  cbRequest?: (err: unknown, req: SrfReq) => void;
  cbProvisional?: (res: SrfRes & { body: string }) => void;
}

/** srf.createUAC(uri, opts, {cbRequest, cbProvisional}) as the gateway calls it. */
export function createUAC(
  srf: TestSrf,
  uri: string,
  opts: UacOptions,
  p: UacProgress = {},
): Promise<CallDialog> {
  const typed = srf as unknown as {
    createUAC(uri: string, opts: UacOptions, progress: UacProgress): Promise<CallDialog>;
  };
  return typed.createUAC(uri, opts, p);
}

export function createUAS(
  srf: TestSrf,
  req: SrfReq,
  res: SrfRes,
  opts: { localSdp: string; headers?: Record<string, string> },
): Promise<CallDialog> {
  return srf.createUAS(req, res, opts) as Promise<CallDialog>;
}

/** Settles a promise into its value or its rejection, for asserting on either. */
export function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

export const rand = (): string => randomBytes(6).toString("hex");

export function sdp(port: number, version = 1): string {
  return [
    "v=0",
    `o=- 1 ${version} IN IP4 127.0.0.1`,
    "s=-",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=audio ${port} RTP/AVP 0`,
    "a=rtpmap:0 PCMU/8000",
    "a=sendrecv",
    "",
  ].join("\r\n");
}

/** The phone's view of a dialog with the application. */
export interface PeerDialog {
  callId: string;
  /** From / To values (without tags) of requests the phone sends. */
  local: string;
  remote: string;
  localTag: string;
  remoteTag: string;
  /** Request-URI of requests the phone sends (the server's Contact). */
  target: string;
  cseq: number;
}

export class Phone {
  private constructor(
    readonly udp: UdpPeer,
    readonly serverPort: number,
  ) {}

  static async open(serverPort: number): Promise<Phone> {
    return new Phone(await UdpPeer.open(), serverPort);
  }

  get port(): number {
    return this.udp.port;
  }

  get contact(): string {
    return `<sip:phone@127.0.0.1:${this.port}>`;
  }

  /** The n-th message received so far (or waited for) of this call that matches. */
  next(callId: string, what: string, pred: (m: SipMessage) => boolean, nth = 1): Promise<SipMessage> {
    return this.udp.next(what, (m) => m.callId === callId && pred(m), nth);
  }

  count(callId: string, pred: (m: SipMessage) => boolean): number {
    return this.udp.received.filter((m) => m.callId === callId && pred(m)).length;
  }

  /** Answers a request from the server; 2xx and 18x carry our Contact, `body` is sent as SDP. */
  respond(req: SipMessage, status: number, reason: string, o: { toTag?: string; body?: string } = {}): void {
    const to = req.get("to") ?? "";
    const lines = [
      `SIP/2.0 ${status} ${reason}`,
      ...req.getAll("via").map((v) => `Via: ${v}`),
      `From: ${req.get("from")}`,
      `To: ${o.toTag && !tagOf(to) ? `${to};tag=${o.toTag}` : to}`,
      `Call-ID: ${req.callId}`,
      `CSeq: ${req.get("cseq")}`,
      ...(status > 100 && status < 300 && req.method !== "BYE" ? [`Contact: ${this.contact}`] : []),
    ];
    this.udp.send(message(lines, o.body), this.serverPort);
  }

  /** The dialog an INVITE from the application and our answer to it (with `toTag`) set up. */
  dialogFromInvite(inv: SipMessage, toTag: string): PeerDialog {
    return {
      callId: inv.callId,
      local: splitNameAddr(inv.get("to") ?? "").uri,
      remote: splitNameAddr(inv.get("from") ?? "").uri,
      localTag: toTag,
      remoteTag: tagOf(inv.get("from")) ?? "",
      target: uriOf(inv.get("contact") ?? ""),
      cseq: 1,
    };
  }

  /** Calls the application: an INVITE with SDP; returns the dialog to fill in with the answer's tag. */
  invite(callId: string, body = sdp(this.port + 2)): PeerDialog {
    const d: PeerDialog = {
      callId,
      local: `sip:phone@127.0.0.1:${this.port}`,
      remote: `sip:svc@127.0.0.1:${this.serverPort}`,
      localTag: `ph-${rand()}`,
      remoteTag: "",
      target: `sip:svc@127.0.0.1:${this.serverPort}`,
      cseq: 1,
    };
    this.send(d, "INVITE", { body, cseq: 1, branch: `z9hG4bK-${callId}` });
    return d;
  }

  /** Sends a request inside the dialog (a CANCEL or ACK for the INVITE when given its CSeq and branch). */
  send(d: PeerDialog, method: string, o: { body?: string; cseq?: number; branch?: string } = {}): void {
    const cseq = o.cseq ?? ++d.cseq;
    const lines = [
      `${method} ${d.target} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${o.branch ?? `z9hG4bK-${rand()}`}`,
      "Max-Forwards: 70",
      `From: <${d.local}>;tag=${d.localTag}`,
      `To: <${d.remote}>${d.remoteTag ? `;tag=${d.remoteTag}` : ""}`,
      `Call-ID: ${d.callId}`,
      `CSeq: ${cseq} ${method}`,
      ...(method === "INVITE" ? [`Contact: ${this.contact}`] : []),
    ];
    this.udp.send(message(lines, o.body), this.serverPort);
  }

  close(): void {
    this.udp.close();
  }
}

function message(lines: string[], body = ""): string {
  const type = body ? [`Content-Type: ${body.startsWith("v=0") ? "application/sdp" : "text/plain"}`] : [];
  return [...lines, ...type, `Content-Length: ${Buffer.byteLength(body)}`, "", body].join("\r\n");
}
