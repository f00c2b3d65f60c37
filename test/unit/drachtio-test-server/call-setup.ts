// Sets up one call between drachtio-srf (through the test server) and the raw SIP phone, in either direction,
// for the in-dialog tests; and hangs it up again.
import { tagOf, uriOf } from "../../support/drachtio/sip-addr.js";
import type { SipMessage } from "../../support/drachtio/sip-message.js";
import type { SrfReq, SrfRes, TestSrf } from "./harness.js";
import {
  createUAC,
  createUAS,
  rand,
  sdp,
  type CallDialog,
  type Phone,
  type PeerDialog,
} from "./call-peer.js";

export interface Call {
  dlg: CallDialog;
  /** The phone's side of the dialog. */
  pd: PeerDialog;
  cid: string;
}

export const answers =
  (method: string, status: number) =>
  (m: SipMessage): boolean =>
    m.status === status && m.cseq.method === method;

/** The application calls the phone (createUAC), the phone answers 200 and gets the ACK. */
export async function callPhone(srf: TestSrf, phone: Phone): Promise<Call> {
  const user = `bob-${rand()}`;
  const dialog = createUAC(srf, `sip:${user}@127.0.0.1:${phone.port}`, {
    localSdp: sdp(40000),
    headers: { From: "<sip:alice@gw.test>" },
  });
  const inv = await phone.udp.next("INVITE", (m) => m.method === "INVITE" && m.uri.includes(user));
  const toTag = `ph-${rand()}`;
  phone.respond(inv, 200, "OK", { toTag, body: sdp(50000) });
  const dlg = await dialog;
  await phone.next(inv.callId, "ACK", (m) => m.method === "ACK");
  return { dlg, pd: phone.dialogFromInvite(inv, toTag), cid: inv.callId };
}

/**
 * The phone calls the application, which rings (res.send(180)) and then answers with createUAS; the phone ACKs
 * the 200 and drachtio-srf's dialog emits `ack`. `on200` sees the phone's 180 and 200.
 */
export async function callApp(
  srf: TestSrf,
  phone: Phone,
  setInviteHandler: (h: (req: SrfReq, res: SrfRes) => void) => void,
  on200: (ringing: SipMessage, ok: SipMessage) => void = () => undefined,
): Promise<Call & { ackReq: SrfReq }> {
  const cid = `call-${rand()}`;
  const dialog = new Promise<CallDialog>((resolve, reject) =>
    setInviteHandler((req, res) => {
      res.send(180);
      const answer = (): Promise<void> =>
        createUAS(srf, req, res, { localSdp: sdp(40000), headers: { "X-Answered-By": "gw" } }).then(
          resolve,
          reject,
        );
      setTimeout(() => void answer(), 30);
    }),
  );
  const pd = phone.invite(cid, sdp(50000));
  const ringing = await phone.next(cid, "180", answers("INVITE", 180));
  const ok = await phone.next(cid, "200", answers("INVITE", 200));
  on200(ringing, ok);
  pd.remoteTag = tagOf(ok.get("to")) ?? "";
  pd.target = uriOf(ok.get("contact") ?? "");
  const dlg = await dialog;
  const acked = new Promise<SrfReq>((resolve) => dlg.on("ack", (req) => resolve(req as SrfReq)));
  phone.send(pd, "ACK", { cseq: 1 });
  return { dlg, pd, cid, ackReq: await acked };
}

/** The application hangs up; the phone answers the BYE. */
export async function hangUp(phone: Phone, c: Call): Promise<void> {
  const done = c.dlg.destroy();
  phone.respond(await phone.next(c.cid, "BYE", (m) => m.method === "BYE"), 200, "OK");
  await done;
}
