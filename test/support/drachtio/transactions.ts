// RFC 3261 section 17 transaction layer: server transactions absorb retransmitted requests and replay the last
// response, client transactions retransmit over UDP (timers A/E), time out (B/F -> 408), turn transport failures
// into 503 and ACK non-2xx final responses to INVITE themselves.
import { type Peer, type SipTransport } from "./sip-transport.js";
import { SipMessage } from "./sip-message.js";
import { splitNameAddr, tagOf, topVia, viaParam, withTag } from "./sip-addr.js";
import { token } from "./ids.js";

export interface Timers {
  t1: number;
  t2: number;
  t4: number;
  /** Timers B, F, H and D (64*T1 by default). */
  timerB: number;
}

export interface ClientUser {
  /** Every new response (retransmissions absorbed); `bytes` is the size on the wire. */
  onResponse(res: SipMessage, peer: Peer, bytes: number): void;
  /** The transaction failed without a response: a locally generated 408 or 503. */
  onFailure(res: SipMessage): void;
}

function serverKey(req: SipMessage, method: string): string {
  const via = topVia(req);
  const br = via ? viaParam(via, "branch") : undefined;
  if (via && br && br.startsWith("z9hG4bK")) return `${br}|${via.host}:${via.port ?? 5060}|${method}`;
  return `${req.callId}|${req.cseq.seq}|${tagOf(req.get("from")) ?? ""}|${method}`; // RFC 2543 peers
}

export class ServerTransaction {
  finalStatus = 0;
  toTag = token();
  private last?: string;
  private timer?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;

  constructor(
    private readonly layer: TransactionLayer,
    readonly key: string,
    readonly request: SipMessage,
    readonly peer: Peer,
  ) {}

  get method(): string {
    return this.request.method;
  }

  /** Sends a response and runs the timers of RFC 3261 17.2 for it. */
  respond(res: SipMessage): string {
    const text = res.toString();
    this.last = text;
    this.layer.transport.send(this.peer, text);
    if (res.status < 200 || this.finalStatus) return text;
    this.finalStatus = res.status;
    const { t1, t2, t4, timerB } = this.layer.timers;
    const udp = this.peer.protocol === "udp";
    if (this.method !== "INVITE")
      this.terminateAfter(udp ? timerB : 0); // timer J
    else if (res.status >= 300)
      this.retransmitUntilAck(t1, t2, timerB, () => this.terminateAfter(udp ? t4 : 0));
    return text;
  }

  /** 2xx to INVITE: drachtio-server retransmits it itself until the ACK (timer G/H), then calls `onTimeout`. */
  retransmit2xx(onTimeout: () => void): void {
    const { t1, t2, timerB } = this.layer.timers;
    this.retransmitUntilAck(t1, t2, timerB, onTimeout);
  }

  /** The ACK arrived (for 2xx, matched by the dialog; for non-2xx, by this transaction). */
  acked(): void {
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    this.terminateAfter(this.finalStatus >= 300 && this.peer.protocol === "udp" ? this.layer.timers.t4 : 0);
  }

  retransmitted(): void {
    if (this.last) this.layer.transport.send(this.peer, this.last);
  }

  stop(): void {
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    this.layer.server.delete(this.key);
  }

  private retransmitUntilAck(t1: number, t2: number, limit: number, onTimeout: () => void): void {
    if (this.peer.protocol === "udp") {
      const again = (interval: number): void => {
        this.timer = setTimeout(() => {
          this.retransmitted();
          again(Math.min(interval * 2, t2));
        }, interval);
      };
      again(t1);
    }
    this.deadline = setTimeout(() => {
      clearTimeout(this.timer);
      this.stop();
      onTimeout();
    }, limit);
  }

  private terminateAfter(ms: number): void {
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.stop(), ms);
  }
}

export class ClientTransaction {
  finalStatus = 0;
  /** Text of the ACK the application sent for a 2xx; re-sent when the 2xx is retransmitted. */
  ackFor2xx?: string;
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
      if (isInvite) clearTimeout(this.deadline);
      else if (this.dest.protocol === "udp") this.retransmit(this.layer.timers.t2, this.layer.timers.t2);
      this.user.onResponse(res, peer, bytes);
      return;
    }
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

export class TransactionLayer {
  readonly server = new Map<string, ServerTransaction>();
  readonly client = new Map<string, ClientTransaction>();

  constructor(
    readonly transport: SipTransport,
    readonly timers: Timers,
  ) {}

  /**
   * Matches an incoming request against the server transactions. Returns the new transaction, or undefined when
   * the request was a retransmission (last response replayed) or an ACK for a non-2xx final response (absorbed).
   * ACKs for 2xx responses create no transaction and are returned as `ack2xx`.
   */
  receiveRequest(req: SipMessage, peer: Peer): ServerTransaction | "absorbed" | "ack2xx" {
    if (req.method === "ACK") {
      const invite = this.server.get(serverKey(req, "INVITE"));
      if (invite && invite.finalStatus >= 300) {
        invite.acked();
        return "absorbed";
      }
      return "ack2xx";
    }
    const key = serverKey(req, req.method);
    const existing = this.server.get(key);
    if (existing) {
      existing.retransmitted();
      return "absorbed";
    }
    const txn = new ServerTransaction(this, key, req, peer);
    this.server.set(key, txn);
    return txn;
  }

  /** The INVITE server transaction a CANCEL refers to (same branch and sent-by). */
  inviteFor(cancel: SipMessage): ServerTransaction | undefined {
    return this.server.get(serverKey(cancel, "INVITE"));
  }

  sendRequest(req: SipMessage, dest: Peer, user: ClientUser): ClientTransaction {
    const via = topVia(req);
    const key = `${via ? viaParam(via, "branch") : ""}|${req.method}`;
    const txn = new ClientTransaction(this, key, req, dest, user);
    if (!txn.finalStatus) this.client.set(key, txn);
    return txn;
  }

  /** Hands a response to its client transaction; false if none matches (stray response, discarded). */
  receiveResponse(res: SipMessage, peer: Peer, bytes: number): boolean {
    const via = topVia(res);
    const txn = this.client.get(`${via ? viaParam(via, "branch") : ""}|${res.cseq.method}`);
    txn?.receive(res, peer, bytes);
    return txn !== undefined;
  }

  stopAll(): void {
    for (const t of [...this.server.values()]) t.stop();
    for (const t of [...this.client.values()]) t.stop();
  }
}
