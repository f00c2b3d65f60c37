// The state shared by the SIP side of the test server: transactions, dialogs, which application connection
// handles which request, and how SIP messages are handed to an application on the admin socket.
import { CRLF, formatMeta, type SipMeta } from "./wire.js";
import { CSeqCounter, timestamp, uuid } from "./ids.js";
import { DialogStore, type Dialog } from "./dialogs.js";
import {
  TransactionLayer,
  type ClientTransaction,
  type ServerTransaction,
  type Timers,
} from "./transactions.js";
import type { SipMessage } from "./sip-message.js";
import type { Peer, Protocol, SipTransport } from "./sip-transport.js";

/** One application connection on the admin socket, as the SIP side sees it. */
export interface AppLink {
  readonly open: boolean;
  /** Sends one admin message (the TEXT of a frame). */
  send(text: string, encoding?: "utf8" | "latin1"): void;
}

/** A request from the network that was handed to an application and awaits its response. */
export interface NetTxn {
  txnId: string;
  link: AppLink;
  server: ServerTransaction;
  req: SipMessage;
  peer: Peer;
  /** The dialog of an in-dialog request. */
  dialog?: Dialog;
  /** Initial INVITE/SUBSCRIBE: the dialog being set up (exists once the application has responded). */
  early?: Dialog;
}

/** A request the application sent, whose responses go back to it. */
export interface AppTxn {
  txnId: string;
  link: AppLink;
  dialogId: string;
  client?: ClientTransaction;
  /** Initial INVITE/SUBSCRIBE: the dialog being set up. */
  early?: Dialog;
  /** Request sent inside this dialog. */
  inDialog?: Dialog;
  /** BYE, or NOTIFY terminating a subscription: the dialog ends with the response. */
  endsDialog?: boolean;
}

export class SipCore {
  readonly txns: TransactionLayer;
  readonly dialogs = new DialogStore();
  readonly cseq = new CSeqCounter();
  readonly netTxns = new Map<string, NetTxn>();
  readonly appTxns = new Map<string, AppTxn>();
  private readonly routes = new Map<string, AppLink[]>();
  private readonly nextRoute = new Map<string, number>();

  constructor(
    readonly transport: SipTransport,
    timers: Timers,
    readonly log: (text: string) => void,
  ) {
    this.txns = new TransactionLayer(transport, timers);
  }

  get host(): string {
    return this.transport.host;
  }

  get port(): number {
    return this.transport.port;
  }

  addRoute(link: AppLink, verb: string): void {
    const v = verb.toLowerCase();
    this.routes.set(v, [...(this.routes.get(v) ?? []), link]);
  }

  removeRoute(link: AppLink, verb: string): void {
    const v = verb.toLowerCase();
    this.routes.set(
      v,
      (this.routes.get(v) ?? []).filter((l) => l !== link),
    );
  }

  dropLink(link: AppLink): void {
    for (const [verb, links] of this.routes)
      this.routes.set(
        verb,
        links.filter((l) => l !== link),
      );
  }

  /** Round-robin over the connected applications that asked for this method (`route|<verb>`). */
  selectApp(method: string): AppLink | undefined {
    const links = (this.routes.get(method.toLowerCase()) ?? []).filter((l) => l.open);
    if (links.length === 0) return undefined;
    const i = (this.nextRoute.get(method) ?? 0) % links.length;
    this.nextRoute.set(method, i + 1);
    return links[i];
  }

  meta(
    source: SipMeta["source"],
    bytes: number,
    protocol: Protocol | "",
    address: string,
    port: number,
  ): string {
    return formatMeta({ source, bytes, protocol, address, port, time: timestamp() });
  }

  /**
   * `<id>|sip|<meta>|<transactionId>|<dialogId>|` + CRLF + SIP. With `receivedOn` (a new request from the
   * network, or a CANCEL for one still waiting for the application) the local address and port follow instead of
   * a dialog id, as in drachtio-server's Client::sendSipMessageToClient.
   */
  sipToApp(
    link: AppLink,
    meta: string,
    txnId: string,
    dialogId: string,
    sip: string,
    receivedOn?: boolean,
  ): void {
    const tail = receivedOn ? `${this.host}|${this.port}|` : "";
    // Always a message from the network, parsed as Latin-1: its octets go to the app unchanged.
    link.send(`${uuid()}|sip|${meta}|${txnId}|${receivedOn ? "" : dialogId}|${tail}${CRLF}${sip}`, "latin1");
  }

  /** `<id>|response|<rid>|OK|<data>` or `...|NOK|<reason>` (route_api_response). */
  apiResponse(link: AppLink, rid: string, ok: boolean, data: string): void {
    link.send(`${uuid()}|response|${rid}|${ok ? "OK" : "NOK"}|${data}`);
  }

  /** Echo of a message the stack sent: meta fields, ids and `Msg sent:` followed by the message. */
  echo(link: AppLink, rid: string, meta: string, ids: string[], sent: string): void {
    this.apiResponse(link, rid, true, `${meta}|${ids.join("|")}|Msg sent:|${CRLF}${sent}`);
  }

  stop(): void {
    this.txns.stopAll();
    this.dialogs.clear();
    this.netTxns.clear();
    this.appTxns.clear();
    this.routes.clear();
  }
}
