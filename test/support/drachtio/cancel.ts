// CANCEL both ways, and the BYE the stack sends by itself when it ends a dialog.
//   From the application (`sip|<INVITE transactionId>|` + CANCEL): drachtio-server's
//   SipDialogController::doSendCancelRequest, i.e. sofia's nta_outgoing_tcancel.
//   From the network: before the application has answered, controller.cpp's "quick cancel" in
//   processMessageStatelessly; after a provisional response, SipDialogController::processCancelOrAck; crossing
//   our 200 (before its ACK), processRequestInsideDialog's "CANCEL after 200 OK".
import { SipMessage } from "./sip-message.js";
import { copyAppHeaders, ourVia, reply } from "./compose.js";
import { dialogRequest, type Dialog } from "./dialogs.js";
import { uuid } from "./ids.js";
import type { AppLink, SipCore } from "./core.js";
import type { Peer } from "./sip-transport.js";
import type { ServerTransaction } from "./transactions.js";

const ignore = { onResponse: () => undefined, onFailure: () => undefined };

/**
 * CANCEL for an INVITE the application sent. drachtio-server echoes it at once (the CANCEL's own transaction id,
 * `Msg sent:`), even when sofia holds it until a provisional response arrives. When there is nothing to cancel it
 * still answers OK - with an explanation instead of a message - so drachtio-srf calls req.cancel()'s callback
 * without an error: `unable to cancel unknown transaction id` once the INVITE has failed or its 2xx was ACKed,
 * `internal server error canceling transaction id` while a 2xx awaits the application's ACK (sofia refuses to
 * cancel a completed transaction) or after a first CANCEL.
 */
export function cancelFromApp(
  core: SipCore,
  link: AppLink,
  rid: string,
  txnId: string,
  app: SipMessage,
): void {
  const invite = core.appTxns.get(txnId)?.client;
  if (!invite || invite.request.method !== "INVITE") {
    const answered = core.dialogs.find((d) => d.txnId === txnId && d.role === "uac" && !d.invite?.ackFor2xx);
    const why = answered ? "internal server error canceling" : "unable to cancel unknown";
    return core.apiResponse(link, rid, true, `${why} transaction id: ${txnId}`);
  }
  const r = invite.request;
  const req = SipMessage.request("CANCEL", r.uri);
  req.add("Via", r.getAll("via")[0] ?? "");
  req.add("Max-Forwards", "70");
  req.add("From", r.get("from") ?? "");
  req.add("To", r.get("to") ?? "");
  req.add("Call-ID", r.callId);
  req.add("CSeq", `${r.cseq.seq} CANCEL`);
  for (const route of r.getAll("route")) req.add("Route", route);
  copyAppHeaders(req, app, ["from", "to", "max-forwards", "route", "contact"]);
  // the 200 to the CANCEL is not passed up (drachtio-srf does not wait for it)
  if (!invite.cancel(() => core.txns.sendRequest(req, invite.dest, ignore))) {
    return core.apiResponse(link, rid, true, `internal server error canceling transaction id: ${txnId}`);
  }
  const sent = req.toString();
  const { protocol, address, port } = invite.dest;
  const [addr, p] = protocol === "udp" ? [core.host, core.port] : [address, port];
  core.echo(link, rid, core.meta("application", Buffer.byteLength(sent), protocol, addr, p), [uuid()], sent);
}

/**
 * CANCEL from the network. While the INVITE awaits the application's final response: 200 to the CANCEL, 487 to
 * the INVITE, and the CANCEL goes to the application with the INVITE's transaction id (drachtio-srf emits
 * `cancel` on that request) - with the local address and port when the application has not responded yet, with
 * the dialog id once it has sent a provisional response. Crossing the application's 200 (no ACK yet): 481 to the
 * CANCEL, BYE to the caller and to the application (see unsolicitedBye). Otherwise 481.
 * Differs on purpose: for a CANCEL before the application responded, drachtio-server answers the 487 statelessly
 * (nta_msg_treply: sent once, its ACK discarded); here it goes through the INVITE's server transaction like the
 * 487 sofia sends after a provisional response (retransmitted over UDP until the ACK, which is absorbed).
 */
export function cancelFromNetwork(core: SipCore, txn: ServerTransaction, peer: Peer, bytes: number): void {
  const invite = core.txns.inviteFor(txn.request);
  const net = invite && [...core.netTxns.values()].find((n) => n.server === invite);
  if (!invite || !net || invite.finalStatus) {
    reply(txn, 481);
    const answered = invite && core.dialogs.find((d) => d.awaitingAck === invite);
    if (answered) unsolicitedBye(core, answered, "CANCEL after 200 OK");
    return;
  }
  core.netTxns.delete(net.txnId);
  if (net.link.open) {
    const meta = core.meta("network", bytes, peer.protocol, peer.address, peer.port);
    core.sipToApp(net.link, meta, net.txnId, net.early?.id ?? "", txn.request.toString(false), !net.early);
  }
  reply(txn, 200, invite.toTag);
  reply(invite, 487, net.early?.localTag ?? invite.toTag);
}

/**
 * The stack ends a dialog by itself (no ACK for our 2xx within timer H, a CANCEL crossing our 2xx): a BYE with
 * `Reason: SIP ;cause=200 ;text="<text>"` to the far end, and the same BYE to the application as an `unsolicited`
 * request from the application side, which drachtio-srf turns into the dialog's `destroy` event.
 */
export function unsolicitedBye(core: SipCore, d: Dialog, text: string): void {
  d.awaitingAck?.stop();
  d.awaitingAck = undefined;
  core.dialogs.remove(d.id);
  const { req, dest } = dialogRequest(d, "BYE", d.remoteTarget, ++d.localCseq);
  req.headers.unshift({ name: "Via", value: ourVia(core.host, core.port, dest) });
  req.add("Reason", `SIP ;cause=200 ;text="${text}"`);
  const sent = core.txns.sendRequest(req, dest, ignore).sent;
  if (!d.link.open) return;
  const meta = core.meta("application", Buffer.byteLength(sent), dest.protocol, core.host, core.port);
  core.sipToApp(d.link, meta, "unsolicited", d.id, sent);
}
