// Requests the application sends (new ones, in-dialog ones, ACK for 2xx, CANCEL) and the responses the
// network returns for them (drachtio-server's SipDialogController::doSendRequest*, processResponse*).
import { SipMessage } from "./sip-message.js";
import { parseUri, splitNameAddr, tagOf, uriOf, uriTransport, withTag } from "./sip-addr.js";
import { addBody, copyAppHeaders, localContact, ourVia } from "./compose.js";
import { cancelFromApp } from "./cancel.js";
import { destinationFor, dialogId, dialogRequest, type Dialog } from "./dialogs.js";
import { callId, timestamp, token, uuid } from "./ids.js";
import { formatMeta } from "./wire.js";
import type { AppLink, AppTxn, SipCore } from "./core.js";
import type { Peer } from "./sip-transport.js";

const METHODS = new Set(
  "INVITE ACK BYE CANCEL OPTIONS REGISTER INFO PRACK SUBSCRIBE NOTIFY REFER MESSAGE UPDATE PUBLISH".split(
    " ",
  ),
);

/** Headers of the application's request that the stack writes itself, or places before the others. */
const PLACED = ["from", "to", "max-forwards", "contact"];

const via = (core: SipCore, dest: Peer): string => ourVia(core.host, core.port, dest);

/**
 * Sends a request through a client transaction and echoes it to the application. The echo's address is our own
 * for UDP and the peer's for TCP, as drachtio-server reports them.
 */
function send(core: SipCore, link: AppLink, rid: string, at: AppTxn, req: SipMessage, dest: Peer): void {
  const client = core.txns.sendRequest(req, dest, {
    onResponse: (res, peer, bytes) => onResponse(core, at, res, peer, bytes),
    onFailure: (res) => onFailure(core, at, res, dest),
  });
  at.client = client;
  core.appTxns.set(at.txnId, at);
  const [address, port] = dest.protocol === "udp" ? [core.host, core.port] : [dest.address, dest.port];
  const meta = core.meta("application", Buffer.byteLength(client.sent), dest.protocol, address, port);
  core.echo(link, rid, meta, [at.txnId], client.sent);
}

/** `sip|<transactionId>|<dialogId>[|<route>]` + a request from the application. */
export function requestFromApp(
  core: SipCore,
  link: AppLink,
  rid: string,
  fields: string[],
  app: SipMessage,
): void {
  const [txnId = "", dlgId = "", routeUrl = ""] = fields.slice(2);
  if (dlgId) return inDialog(core, link, rid, dlgId, app);
  if (txnId) {
    if (app.method === "CANCEL") return cancelFromApp(core, link, rid, txnId, app);
    return core.apiResponse(link, rid, false, "only a CANCEL can be sent inside a transaction");
  }
  const existing = app.has("call-id") ? core.dialogs.byCallId(app.callId) : undefined;
  if (existing) return inDialog(core, link, rid, existing.id, app);
  outOfDialog(core, link, rid, app, routeUrl);
}

function outOfDialog(core: SipCore, link: AppLink, rid: string, app: SipMessage, routeUrl: string): void {
  const { method, uri } = app;
  const target = parseUri(routeUrl || uri);
  if (!parseUri(uri) || !target || !METHODS.has(method)) {
    return core.apiResponse(link, rid, false, `invalid request-uri: ${app.startLine()}`);
  }
  if (uriTransport(target) === "tls")
    return core.apiResponse(link, rid, false, "requested protocol/transport not available");
  const dest = destinationFor(routeUrl || uri);
  if ((target.host === core.host || target.host === "localhost") && (target.port ?? 5060) === core.port) {
    return core.apiResponse(link, rid, false, "can not send request to myself");
  }
  const contact = localContact(core.host, core.port, dest.protocol);
  const localTag = tagOf(app.get("from")) ?? token();
  const from = withTag(app.get("from") ?? contact, localTag);
  // with no To, sofia parses the Request-URI as a To value: its URI parameters become header parameters
  const bare = splitNameAddr(uri);
  const to = app.get("to") ?? `<${bare.uri}>${bare.params}`;
  const cid = app.get("call-id") ?? callId();
  const cseq = core.cseq.take();
  const req = SipMessage.request(method, uri);
  req.add("Via", via(core, dest));
  req.add("Max-Forwards", app.get("max-forwards") ?? "70");
  req.add("From", from);
  req.add("To", to);
  req.add("Call-ID", cid);
  req.add("CSeq", `${cseq} ${method}`);
  const dialogForming = method === "INVITE" || method === "SUBSCRIBE";
  const ourContact = app.get("contact") ?? contact;
  if (dialogForming || app.has("contact")) req.add("Contact", ourContact);
  copyAppHeaders(req, app, PLACED);
  const err = addBody(req, app);
  if (err) return core.apiResponse(link, rid, false, err);
  const txnId = uuid();
  const early: Dialog | undefined = dialogForming
    ? {
        id: dialogId(cid, localTag),
        kind: method === "INVITE" ? "INVITE" : "SUBSCRIBE",
        role: "uac",
        callId: cid,
        localTag,
        remoteTag: "",
        localUri: from.replace(/;\s*tag=[^;]*/i, ""),
        remoteUri: to,
        remoteTarget: uri,
        routeSet: [],
        localCseq: cseq,
        localContact: ourContact,
        peer: dest,
        link,
        txnId,
        inviteCseq: cseq,
        status: 0,
      }
    : undefined;
  send(core, link, rid, { txnId, link, dialogId: early?.id ?? "", early }, req, dest);
}

function inDialog(core: SipCore, link: AppLink, rid: string, id: string, app: SipMessage): void {
  const d = core.dialogs.get(id);
  const method = app.method;
  if (!d) {
    const why =
      method === "ACK"
        ? "ACK for non-success final response is automatically generated by server"
        : "unable to find dialog for dialog id provided";
    return core.apiResponse(link, rid, false, `Server error: ${why}`);
  }
  if (method === "ACK") return ack(core, link, rid, d, app);
  const uri = app.uri.includes("placeholder") ? d.remoteTarget : app.uri;
  // a leg we created takes its CSeq from the stack's counter; one created for a request from the network
  // counts on from that request's CSeq (what sofia does)
  d.localCseq = d.role === "uac" ? core.cseq.take() : d.localCseq + 1;
  const { req, dest } = dialogRequest(d, method, uri, d.localCseq);
  req.headers.unshift({ name: "Via", value: via(core, dest) });
  if (["INVITE", "SUBSCRIBE", "REFER"].includes(method) && !app.has("contact"))
    req.add("Contact", d.localContact);
  copyAppHeaders(req, app, ["from", "to", "max-forwards", "route"]);
  const err = addBody(req, app);
  if (err) return core.apiResponse(link, rid, false, `Server error: ${err}`);
  if (method === "BYE") d.awaitingAck?.stop();
  const endsDialog =
    method === "BYE" ||
    (d.kind === "SUBSCRIBE" &&
      method === "NOTIFY" &&
      /terminated/i.test(app.get("subscription-state") ?? ""));
  send(core, link, rid, { txnId: uuid(), link, dialogId: d.id, inDialog: d, endsDialog }, req, dest);
}

/** ACK for a 2xx the application received: sent to the remote target, outside any transaction. */
function ack(core: SipCore, link: AppLink, rid: string, d: Dialog, app: SipMessage): void {
  if (d.status !== 200) {
    core.dialogs.remove(d.id);
    return core.apiResponse(
      link,
      rid,
      false,
      "ACK for non-success responses is automatically generated by the stack",
    );
  }
  const { req, dest } = dialogRequest(d, "ACK", d.remoteTarget, d.inviteCseq);
  req.headers.unshift({ name: "Via", value: via(core, dest) });
  copyAppHeaders(req, app, ["from", "to", "max-forwards", "route"]);
  const err = addBody(req, app);
  if (err) return core.apiResponse(link, rid, false, `Server error: ${err}`);
  const sent = req.toString();
  core.transport.send(dest, sent);
  if (d.invite) d.invite.ackFor2xx = sent;
  const [address, port] = dest.protocol === "udp" ? [core.host, core.port] : [dest.address, dest.port];
  const meta = core.meta("application", Buffer.byteLength(sent), dest.protocol, address, port);
  core.echo(link, rid, meta, [uuid()], sent);
}

function onResponse(core: SipCore, at: AppTxn, res: SipMessage, peer: Peer, bytes: number): void {
  // sofia keeps 100 Trying to itself: drachtio-server does not set NTATAG_PASS_100 (nta.c outgoing_recv)
  if (res.status === 100) return;
  const d = at.early ?? at.inDialog;
  const method = res.cseq.method;
  const final = res.status >= 200;
  if (at.early && final) {
    const d0 = at.early;
    d0.status = res.status;
    if ((method === "INVITE" && res.status === 200) || (method === "SUBSCRIBE" && res.status < 300)) {
      d0.remoteTag = tagOf(res.get("to")) ?? "";
      const contact = res.getAll("contact")[0];
      if (contact) d0.remoteTarget = uriOf(contact);
      d0.routeSet = res.getAll("record-route").reverse();
      d0.invite = at.client;
      core.dialogs.add(d0);
    }
  }
  if (at.inDialog && final) {
    if (method === "INVITE" && res.status === 200) {
      Object.assign(at.inDialog, { status: 200, inviteCseq: res.cseq.seq, invite: at.client });
    }
    if (at.endsDialog && !(method === "BYE" && (res.status === 401 || res.status === 407)))
      core.dialogs.remove(at.inDialog.id);
  }
  if (final) core.appTxns.delete(at.txnId);
  if (!at.link.open) return;
  const meta = core.meta("network", bytes, peer.protocol, peer.address, peer.port);
  core.sipToApp(at.link, meta, at.txnId, d ? d.id : "", res.toString(false));
}

/** 408 (timer B/F) or 503 (transport failure) made up by the stack: zero bytes, no address, port 0. */
function onFailure(core: SipCore, at: AppTxn, res: SipMessage, dest: Peer): void {
  core.appTxns.delete(at.txnId);
  if (at.inDialog && at.endsDialog) core.dialogs.remove(at.inDialog.id);
  if (!at.link.open) return;
  const meta = formatMeta({
    source: "network",
    bytes: 0,
    protocol: dest.protocol,
    address: "",
    port: 0,
    time: timestamp(),
  });
  const d = at.early ?? at.inDialog;
  core.sipToApp(at.link, meta, at.txnId, d ? d.id : "", res.toString());
}
