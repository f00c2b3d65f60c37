// Requests arriving from the network and the application's responses to them (drachtio-server's
// processMessageStatelessly, PendingRequestController, SipDialogController::doRespondToSipRequest).
import type { SipMessage } from "./sip-message.js";
import { replaceTopVia, tagOf, topVia, uriOf, viaParam, type Via } from "./sip-addr.js";
import { addBody, copyAppHeaders, localContact, reasonPhrase, reply, responseBase } from "./compose.js";
import { dialogId, type Dialog } from "./dialogs.js";
import { uuid } from "./ids.js";
import { cancelFromNetwork, unsolicitedBye } from "./cancel.js";
import type { AppLink, NetTxn, SipCore } from "./core.js";
import type { Peer } from "./sip-transport.js";
import type { ServerTransaction } from "./transactions.js";

/** Methods drachtio-server hands to an application as new requests (others outside a dialog are dropped). */
const ROUTABLE = new Set([
  "INVITE",
  "REGISTER",
  "MESSAGE",
  "OPTIONS",
  "INFO",
  "NOTIFY",
  "SUBSCRIBE",
  "PUBLISH",
]);

const endsSubscription = (d: Dialog, req: SipMessage): boolean =>
  d.kind === "SUBSCRIBE" &&
  req.method === "NOTIFY" &&
  /terminated/i.test(req.get("subscription-state") ?? "");

export function onNetworkRequest(core: SipCore, req: SipMessage, peer: Peer, bytes: number): void {
  const via = topVia(req);
  if (!via || !req.callId || !req.has("from") || !req.has("to") || !req.cseq.method) {
    core.log(`discarding malformed ${req.method} from ${peer.address}:${peer.port}`);
    return;
  }
  markReceived(req, via, peer);
  const r = core.txns.receiveRequest(req, peer);
  if (r === "absorbed") return;
  if (r === "ack2xx") return onAck(core, req, peer, bytes);
  if (req.method === "CANCEL") return cancelFromNetwork(core, r, peer, bytes);
  const toTag = tagOf(req.get("to"));
  const dialog = toTag ? core.dialogs.match(req.callId, toTag, tagOf(req.get("from"))) : undefined;
  if (dialog) return inDialog(core, dialog, r, bytes);
  if (ROUTABLE.has(req.method) && !(toTag && req.method === "INVITE")) return newRequest(core, r, bytes);
  if (req.method === "BYE" || req.method === "INVITE") return reply(r, 481);
  core.log(`discarding ${req.method} outside a dialog (call-id ${req.callId})`);
  r.stop();
}

/** drachtio-server always sets rport on the top Via (NTATAG_SERVER_RPORT(2)), and received when it differs. */
function markReceived(req: SipMessage, via: Via, peer: Peer): void {
  const params = via.params
    .filter(([k]) => k.toLowerCase() !== "received")
    .map(([k, v]): [string, string | null] =>
      k.toLowerCase() === "rport" ? [k, String(peer.port)] : [k, v],
    );
  if (viaParam(via, "rport") === undefined) params.push(["rport", String(peer.port)]);
  if (via.host !== peer.address) params.push(["received", peer.address]);
  replaceTopVia(req, { ...via, params });
}

function newRequest(core: SipCore, txn: ServerTransaction, bytes: number): void {
  const req = txn.request;
  if (req.method === "INVITE") reply(txn, 100);
  const link = core.selectApp(req.method);
  if (!link) {
    core.log(`no application has a route for ${req.method}: 503\n${req.toString(false)}`);
    return reply(txn, 503);
  }
  const txnId = uuid();
  core.netTxns.set(txnId, { txnId, link, server: txn, req, peer: txn.peer });
  const meta = core.meta("network", bytes, txn.peer.protocol, txn.peer.address, txn.peer.port);
  core.sipToApp(link, meta, txnId, "", req.toString(false), true);
}

function inDialog(core: SipCore, d: Dialog, txn: ServerTransaction, bytes: number): void {
  const req = txn.request;
  const ends = req.method === "BYE" || endsSubscription(d, req);
  if (req.method === "INVITE") reply(txn, 100);
  if (ends) {
    d.awaitingAck?.stop();
    core.dialogs.remove(d.id);
  }
  if (!d.link.open) {
    core.log(`application of dialog ${d.id} is gone`);
    if (ends) reply(txn, 481);
    return;
  }
  const txnId = uuid();
  core.netTxns.set(txnId, { txnId, link: d.link, server: txn, req, peer: txn.peer, dialog: d });
  const meta = core.meta("network", bytes, txn.peer.protocol, txn.peer.address, txn.peer.port);
  core.sipToApp(d.link, meta, txnId, d.id, req.toString(false));
}

/** ACK for a 2xx: ends the 2xx retransmissions; the application sees it with the INVITE's transaction id. */
function onAck(core: SipCore, req: SipMessage, peer: Peer, bytes: number): void {
  const d = core.dialogs.match(req.callId, tagOf(req.get("to")), tagOf(req.get("from")));
  if (!d) return core.log(`discarding ACK without dialog (call-id ${req.callId})`);
  // the ACK for the 2xx to the initial INVITE carries that INVITE's transaction id, any other ACK a new one
  const txnId = d.ackTxnId ?? uuid();
  d.awaitingAck?.acked();
  d.awaitingAck = undefined;
  d.ackTxnId = undefined;
  if (!d.link.open) return;
  // drachtio-server leaves the protocol field of an ACK empty
  core.sipToApp(
    d.link,
    core.meta("network", bytes, "", peer.address, peer.port),
    txnId,
    d.id,
    req.toString(false),
  );
}

/** The application's response (`sip|<transactionId>|` + status line) to a request from the network. */
export function respondFromApp(
  core: SipCore,
  link: AppLink,
  rid: string,
  txnId: string,
  app: SipMessage,
): void {
  const net = core.netTxns.get(txnId);
  if (!net) {
    const why =
      app.cseq.method === "CANCEL"
        ? "200 OK to incoming CANCEL is automatically generated by the stack"
        : "Response not sent due to unknown transaction";
    return core.apiResponse(link, rid, false, why);
  }
  if (!core.transport.hasConnection(net.peer)) {
    return core.apiResponse(link, rid, false, "transport for response has been shutdown or closed");
  }
  const { req, server, peer } = net;
  const status = app.status;
  const initial = !net.dialog && (req.method === "INVITE" || req.method === "SUBSCRIBE");
  const toTag = tagOf(req.get("to")) ?? net.early?.localTag ?? tagOf(app.get("to")) ?? server.toTag;
  const res = responseBase(req, status, app.reason || reasonPhrase(status), toTag);
  if (initial && status > 100 && status < 300)
    for (const rr of req.getAll("record-route")) res.add("Record-Route", rr);
  const wantsContact = initial
    ? status >= 200 && status < 300
    : req.method === "INVITE" || req.method === "SUBSCRIBE";
  const contact = app.get("contact") ?? localContact(core.host, core.port, peer.protocol);
  if (wantsContact && !app.has("contact")) res.add("Contact", contact);
  copyAppHeaders(res, app, ["from", "to"]);
  addBody(res, app);
  if (initial && !net.early) net.early = uasDialog(net, toTag, contact);
  const sent = server.respond(res);

  const dlgId = net.early?.id ?? (net.dialog && core.dialogs.get(net.dialog.id) ? net.dialog.id : "");
  const proto = req.method === "INVITE" ? peer.protocol : ""; // as drachtio-server reports it
  const meta = core.meta("application", Buffer.byteLength(sent), proto, peer.address, peer.port);
  core.echo(link, rid, meta, [txnId, dlgId, ""], sent);

  if (status < 200) return;
  core.netTxns.delete(txnId);
  const d = net.early;
  if (d && (status === 200 || (req.method === "SUBSCRIBE" && status === 202))) {
    d.status = status;
    core.dialogs.add(d);
    if (req.method === "INVITE") {
      d.awaitingAck = server;
      d.ackTxnId = txnId;
      server.retransmit2xx(() => ackTimeout(core, d));
    }
  }
  if (net.dialog && req.method === "INVITE" && status === 200) {
    net.dialog.awaitingAck = server;
    server.retransmit2xx(() => undefined);
  }
}

function uasDialog(net: NetTxn, localTag: string, localContactValue: string): Dialog {
  const req = net.req;
  const remoteTag = tagOf(req.get("from")) ?? "";
  const stripTag = (v: string): string => v.replace(/;\s*tag=[^;]*/i, "");
  return {
    id: dialogId(req.callId, remoteTag),
    kind: req.method === "INVITE" ? "INVITE" : "SUBSCRIBE",
    role: "uas",
    callId: req.callId,
    localTag,
    remoteTag,
    localUri: stripTag(req.get("to") ?? ""),
    remoteUri: stripTag(req.get("from") ?? ""),
    remoteTarget: uriOf(req.getAll("contact")[0] ?? req.get("from") ?? ""),
    routeSet: req.getAll("record-route"),
    // sofia starts the leg's local CSeq at the remote's (a NOTIFY after SUBSCRIBE CSeq 1 gets CSeq 2)
    localCseq: req.cseq.seq,
    localContact: localContactValue,
    peer: net.peer,
    link: net.link,
    txnId: net.txnId,
    inviteCseq: req.cseq.seq,
    status: 0,
  };
}

/** No ACK for our 2xx within timer H: BYE the far end and tell the application with an `unsolicited` BYE. */
function ackTimeout(core: SipCore, d: Dialog): void {
  unsolicitedBye(core, d, "ACK timeout");
}
