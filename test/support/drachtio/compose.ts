// Building SIP messages from what the application sent: which of its headers are kept, how the body's
// Content-Type is completed, and the parts of a response that are copied from the request.
import { canonicalName, normalizeName, SipMessage } from "./sip-message.js";
import type { Peer, Protocol } from "./sip-transport.js";
import type { ServerTransaction } from "./transactions.js";
import { branch } from "./ids.js";
import { withTag } from "./sip-addr.js";

/** Headers the stack always writes itself, whatever the application supplies. */
const STACK_HEADERS = ["via", "call-id", "cseq", "content-length", "record-route"];

/**
 * Parses the SIP text the application sent on the admin socket. drachtio takes the body as everything after the
 * blank line (it computes Content-Length itself).
 */
export function parseAppSip(text: string): SipMessage {
  return SipMessage.parse(text, false);
}

/** Adds the application's headers to `target` in canonical spelling, except the ones in `skip` and the stack's. */
export function copyAppHeaders(target: SipMessage, app: SipMessage, skip: string[] = []): void {
  const excluded = new Set([...STACK_HEADERS, ...skip, "content-type"]);
  for (const h of app.headers) {
    if (!excluded.has(normalizeName(h.name))) target.add(canonicalName(h.name), h.value);
  }
}

/**
 * Puts the body on `target` with its Content-Type (the application's, or application/sdp when the body starts
 * with `v=0`). Returns an error text when the body's type cannot be told, as drachtio-server does.
 */
export function addBody(target: SipMessage, app: SipMessage, body = app.body): string | undefined {
  let type = app.get("content-type");
  if (body.length > 0 && type === undefined) {
    if (!body.startsWith("v=0")) return "missing content-type";
    type = "application/sdp";
  }
  if (type !== undefined && body.length > 0) target.add("Content-Type", type);
  target.body = body;
  return undefined;
}

/** Our Contact, as drachtio-server writes it: `<sip:127.0.0.1:5080>` (`;transport=tcp` for TCP). */
export function localContact(host: string, port: number, protocol: Protocol): string {
  return `<sip:${host}:${port}${protocol === "tcp" ? ";transport=tcp" : ""}>`;
}

/** Top Via of a request the stack sends (sofia adds rport for UDP, NTATAG_CLIENT_RPORT). */
export function ourVia(host: string, port: number, dest: Peer): string {
  const rport = dest.protocol === "udp" ? ";rport" : "";
  return `SIP/2.0/${dest.protocol.toUpperCase()} ${host}:${port}${rport};branch=${branch()}`;
}

/** A response the stack makes up itself (100, 481, 487, 503, ...) to a request from the network. */
export function reply(txn: ServerTransaction, status: number, tag?: string): void {
  txn.respond(responseBase(txn.request, status, reasonPhrase(status), tag ?? txn.toTag));
}

/** Status line, Via list, From, To (with our tag), Call-ID and CSeq of a response to `req`. */
export function responseBase(req: SipMessage, status: number, reason: string, toTag?: string): SipMessage {
  const res = SipMessage.response(status, reason);
  for (const via of req.getAll("via")) res.add("Via", via);
  res.add("From", req.get("from") ?? "");
  const to = req.get("to") ?? "";
  res.add("To", toTag && status > 100 ? withTag(to, toTag) : to);
  res.add("Call-ID", req.callId);
  res.add("CSeq", req.get("cseq") ?? "");
  return res;
}

const REASONS: Record<number, string> = {
  100: "Trying",
  180: "Ringing",
  200: "OK",
  202: "Accepted",
  400: "Bad Request",
  408: "Request Timeout",
  481: "Call/Transaction Does Not Exist",
  487: "Request Terminated",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "";
}
