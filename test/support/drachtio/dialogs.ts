// SIP dialogs (RFC 3261 section 12) as drachtio-server keeps them: identified towards the application by
// `<Call-ID>;from-tag=<tag of the From header of the dialog-creating request>`.
import { parseUri, uriOf, uriTransport } from "./sip-addr.js";
import { SipMessage } from "./sip-message.js";
import type { Peer } from "./sip-transport.js";
import type { ClientTransaction, ServerTransaction } from "./transactions.js";
import type { AppLink } from "./core.js";

export interface Dialog {
  id: string;
  kind: "INVITE" | "SUBSCRIBE";
  role: "uac" | "uas";
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From value (without tag) for requests we send in the dialog. */
  localUri: string;
  /** To value (without tag) for requests we send in the dialog. */
  remoteUri: string;
  remoteTarget: string;
  routeSet: string[];
  localCseq: number;
  localContact: string;
  /** Where the dialog's traffic went so far (for TCP: the connection that carried it). */
  peer: Peer;
  /** The application connection that owns the dialog. */
  link: AppLink;
  /** Transaction id (towards the application) of the dialog-creating request. */
  txnId: string;
  /** CSeq number of the INVITE, used by the ACK for its 2xx. */
  inviteCseq: number;
  /** Last final status of the dialog-creating transaction. */
  status: number;
  /** UAS: the INVITE whose 2xx is being retransmitted until the ACK arrives. */
  awaitingAck?: ServerTransaction;
  /** Transaction id the application gets with that ACK (the initial INVITE's). */
  ackTxnId?: string;
  /** UAC: the INVITE client transaction, to re-send our ACK when its 2xx is retransmitted. */
  invite?: ClientTransaction;
}

export function dialogId(callId: string, fromTag: string): string {
  return `${callId};from-tag=${fromTag}`;
}

export class DialogStore {
  private readonly byId = new Map<string, Dialog>();

  add(d: Dialog): void {
    this.byId.set(d.id, d);
  }

  get(id: string): Dialog | undefined {
    return this.byId.get(id);
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  /** The dialog a request from the network belongs to (its To tag is our tag, its From tag the remote one). */
  match(callId: string, localTag: string | undefined, remoteTag: string | undefined): Dialog | undefined {
    for (const d of this.byId.values()) {
      if (d.callId === callId && d.localTag === localTag && d.remoteTag === remoteTag) return d;
    }
    return undefined;
  }

  byCallId(callId: string): Dialog | undefined {
    return this.find((d) => d.callId === callId);
  }

  find(pred: (d: Dialog) => boolean): Dialog | undefined {
    for (const d of this.byId.values()) if (pred(d)) return d;
    return undefined;
  }

  clear(): void {
    this.byId.clear();
  }
}

/** Request-URI, headers and destination of a request sent inside `d` (RFC 3261 12.2.1.1). */
export function dialogRequest(
  d: Dialog,
  method: string,
  uri: string,
  cseq: number,
): { req: SipMessage; dest: Peer } {
  const req = SipMessage.request(method, uri);
  req.add("Max-Forwards", "70");
  req.add("From", `${d.localUri};tag=${d.localTag}`);
  req.add("To", `${d.remoteUri};tag=${d.remoteTag}`);
  req.add("Call-ID", d.callId);
  req.add("CSeq", `${cseq} ${method}`);
  for (const r of d.routeSet) req.add("Route", r);
  return { req, dest: destinationFor(d.routeSet[0] ? uriOf(d.routeSet[0]) : uri, d.peer) };
}

/**
 * Where to send a request for `uri`: its host and port, over the transport it names - or, when it names none,
 * over the dialog's transport (drachtio-server keeps using the dialog's TCP connection).
 */
export function destinationFor(uri: string, fallback?: Peer): Peer {
  const u = parseUri(uri);
  if (fallback?.protocol === "tcp" || !u)
    return fallback ?? { protocol: "udp", address: "127.0.0.1", port: 5060 };
  const protocol = u.params.has("transport") ? uriTransport(u) : "udp";
  return {
    protocol: protocol === "tcp" ? "tcp" : "udp",
    address: u.host.toLowerCase() === "localhost" ? "127.0.0.1" : u.host.replace(/^\[|\]$/g, ""),
    port: u.port ?? 5060,
  };
}
