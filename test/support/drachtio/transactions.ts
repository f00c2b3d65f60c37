// RFC 3261 section 17 transaction layer: server transactions absorb retransmitted requests and replay the last
// response (and retransmit final responses to INVITE until the ACK); the client transactions are in
// client-transaction.ts. The layer matches requests and responses to their transactions.
import { type Peer, type SipTransport } from "./sip-transport.js";
import type { SipMessage } from "./sip-message.js";
import { tagOf, topVia, viaParam } from "./sip-addr.js";
import { ClientTransaction, type ClientUser } from "./client-transaction.js";
import { token } from "./ids.js";

export { ClientTransaction, type ClientUser };

export interface Timers {
  t1: number;
  t2: number;
  t4: number;
  /** Timers B, F, H and D (64*T1 by default). */
  timerB: number;
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
