// RFC 3261 section 17.1 client transactions: retransmissions over UDP (timers A/E), timeout (B/F -> 408),
// transport failure (503), the ACK for non-2xx final responses to INVITE, and CANCEL as sofia sends it.
import type { Peer } from "./sip-transport.js";
import { SipMessage } from "./sip-message.js";
import { splitNameAddr, tagOf, withTag } from "./sip-addr.js";
import { token } from "./ids.js";
import type { TransactionLayer } from "./transactions.js";

export interface ClientUser {
  /** Every new response (retransmissions absorbed); `bytes` is the size on the wire. */
  onResponse(res: SipMessage, peer: Peer, bytes: number): void;
  /** The transaction failed without a response: a locally generated 408 or 503. */
  onFailure(res: SipMessage): void;
}

export class ClientTransaction {
  finalStatus = 0;
  /** Text of the ACK the application sent for a 2xx; re-sent when the 2xx is retransmitted. */
  ackFor2xx?: string;
  private canceled = false;
  private proceeding = false;
  private heldCancel?: () => void;
  private readonly seen = new Set<string>();
  private timer?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;
  private readonly release: () => void;
  private readonly text: string;

  constructor(
    private readonly layer: TransactionLayer,
    readonly key: string,
    readonly request: SipMessage,
    readonly dest: Peer,
    private readonly user: ClientUser,
  ) {
    this.text = request.toString();
    const fail = (): void => this.fail(503, "Service Unavailable");
    this.release = layer.transport.track(dest, fail);
    layer.transport.send(dest, this.text, fail);
    const { t1, t2, timerB } = layer.timers;
    if (dest.protocol === "udp") this.retransmit(t1, request.method === "INVITE" ? Infinity : t2);
    this.deadline = setTimeout(() => this.fail(408, "Request Timeout"), timerB);
  }

  /** Returns the text as it went on the wire. */
  get sent(): string {
    return this.text;
  }

  /**
   * CANCEL for this INVITE, as sofia's nta_outgoing_tcancel does it: refused (false) once a final response has
   * arrived or after an earlier CANCEL; sent after a provisional response (100 included), else held until one
   * comes and dropped if a final response comes first (RFC 3261 9.1). Once the CANCEL is out the INVITE waits for
   * its final response until timer D, then reports a 408 of its own (nta.c outgoing_terminate_invite). Differs on
   * purpose: timer D is timer B here (sofia: 32 s by default, like timer B).
   */
  cancel(send: () => void): boolean {
    if (this.finalStatus || this.canceled || this.request.method !== "INVITE") return false;
    this.canceled = true;
    this.heldCancel = () => {
      send();
      clearTimeout(this.deadline);
      this.deadline = setTimeout(() => this.fail(408, "Request Timeout"), this.layer.timers.timerB);
    };
    if (this.proceeding) this.releaseCancel();
    return true;
  }

  private releaseCancel(): void {
    const held = this.heldCancel;
    this.heldCancel = undefined;
    held?.();
  }

  receive(res: SipMessage, peer: Peer, bytes: number): void {
    const id = `${res.status}|${tagOf(res.get("to")) ?? ""}`;
    const isInvite = this.request.method === "INVITE";
    if (this.seen.has(id) || (this.finalStatus >= 200 && res.status >= 200)) {
      if (isInvite && res.status >= 300) this.sendAck(res);
      if (isInvite && res.status < 300 && this.ackFor2xx)
        this.layer.transport.send(this.dest, this.ackFor2xx);
      return;
    }
    this.seen.add(id);
    if (res.status < 200) {
      clearTimeout(this.timer);
      // INVITE: Proceeding has no timer B (RFC 3261 17.1.1.2); non-INVITE: timer E continues at T2, F runs on
      if (isInvite && !this.canceled) clearTimeout(this.deadline);
      else if (this.dest.protocol === "udp") this.retransmit(this.layer.timers.t2, this.layer.timers.t2);
      this.proceeding = true;
      this.releaseCancel();
      this.user.onResponse(res, peer, bytes);
      return;
    }
    this.heldCancel = undefined;
    this.finalStatus = res.status;
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    if (isInvite && res.status >= 300) this.sendAck(res);
    this.user.onResponse(res, peer, bytes);
    const { t4, timerB } = this.layer.timers;
    const udp = this.dest.protocol === "udp";
    this.deadline = setTimeout(
      () => this.stop(),
      isInvite ? (res.status < 300 || udp ? timerB : 0) : udp ? t4 : 0,
    );
  }

  stop(): void {
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    this.release();
    this.layer.client.delete(this.key);
  }

  private retransmit(interval: number, cap: number): void {
    this.timer = setTimeout(() => {
      this.layer.transport.send(this.dest, this.text);
      this.retransmit(Math.min(interval * 2, cap), cap);
    }, interval);
  }

  private fail(status: number, reason: string): void {
    if (this.finalStatus) return;
    this.finalStatus = status;
    this.heldCancel = undefined;
    const req = this.request;
    const res = SipMessage.response(status, reason);
    const via = req.getAll("via")[0];
    if (via) res.add("Via", via);
    res.add("From", req.get("from") ?? "");
    // sofia writes the To of a locally generated response as a bare addr-spec
    const to = splitNameAddr(req.get("to") ?? "");
    res.add("To", withTag(to.display ? (req.get("to") ?? "") : `${to.uri}${to.params}`, token()));
    res.add("Call-ID", req.callId);
    res.add("CSeq", req.get("cseq") ?? "");
    this.stop();
    this.user.onFailure(res);
  }

  private sendAck(res: SipMessage): void {
    const req = this.request;
    const ack = SipMessage.request("ACK", req.uri);
    const via = req.getAll("via")[0];
    if (via) ack.add("Via", via);
    ack.add("Max-Forwards", "70");
    ack.add("From", req.get("from") ?? "");
    ack.add("To", res.get("to") ?? req.get("to") ?? "");
    ack.add("Call-ID", req.callId);
    ack.add("CSeq", `${req.cseq.seq} ACK`);
    for (const r of req.getAll("route")) ack.add("Route", r);
    this.layer.transport.send(this.dest, ack.toString());
  }
}
