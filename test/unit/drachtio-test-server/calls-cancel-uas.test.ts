/**
 * A caller cancelling an incoming call, with drachtio-srf 5.0.29 answering through srf.createUAS against the test
 * server: the stack answers 200 to the CANCEL and 487 to the INVITE itself and hands the CANCEL to the application
 * (req emits `cancel`), before or after the application's 180; an answer after that is refused; and a CANCEL that
 * crosses the application's 200 makes the stack BYE the caller and destroy the dialog in drachtio-srf.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startDrachtioTestServer, type DrachtioTestServer } from "../../support/drachtio/index.js";
import { tagOf } from "../../support/drachtio/sip-addr.js";
import type { SipMessage } from "../../support/drachtio/sip-message.js";
import { connectSrf, sleep, waitFor, type SrfReq, type SrfRes, type TestSrf } from "./harness.js";
import { createUAS, Phone, rand, sdp, settle, type PeerDialog } from "./call-peer.js";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const TIME = "\\d\\d:\\d\\d:\\d\\d\\.\\d{6}";
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const answers = (method: string, status: number) => (m: SipMessage) =>
  m.status === status && m.cseq.method === method;

describe("drachtio test server: incoming calls cancelled by the caller", { timeout: 60_000 }, () => {
  let server: DrachtioTestServer;
  let srf: TestSrf;
  let phone: Phone;
  let onInvite: (req: SrfReq, res: SrfRes) => void = () => undefined;

  before(async () => {
    server = await startDrachtioTestServer({ t1Ms: 20, timerBMs: 1000 });
    srf = await connectSrf(server, (s) => s.invite((req, res) => onInvite(req, res)));
    phone = await Phone.open(server.sipPort);
  });
  after(async () => {
    srf.disconnect();
    phone.close();
    await server.stop();
  });

  /** Calls the application; resolves with drachtio-srf's req/res and whether `cancel` was emitted on req. */
  async function incoming(cid: string, respond: (res: SrfRes) => void) {
    const got: { req?: SrfReq; res?: SrfRes; canceled: boolean } = { canceled: false };
    onInvite = (req, res) => {
      Object.assign(got, { req, res });
      req.on("cancel", () => (got.canceled = true));
      respond(res);
    };
    const d = phone.invite(cid);
    await waitFor("INVITE in drachtio-srf", () => got.req !== undefined);
    return { got, d };
  }

  /** The phone cancels its INVITE (same branch and CSeq, no To tag) and gets 200 and 487. */
  async function cancelAndExpect487(d: PeerDialog): Promise<SipMessage> {
    phone.send({ ...d, remoteTag: "" }, "CANCEL", { cseq: 1, branch: `z9hG4bK-${d.callId}` });
    await phone.next(d.callId, "200 to CANCEL", answers("CANCEL", 200));
    return phone.next(d.callId, "487", answers("INVITE", 487));
  }

  /** The CANCEL as drachtio-srf got it on the admin socket. */
  const cancelToApp = (cid: string): string =>
    server.transcript.find(
      (m) => m.dir === "server->app" && m.msg.includes(`\r\nCANCEL `) && m.msg.includes(cid),
    )?.msg ?? "";

  it("after the app's 180: 200 and 487 from the stack, `cancel` with the dialog id, a later answer refused", async () => {
    const cid = `uas-c1-${rand()}`;
    const { got, d } = await incoming(cid, (res) => res.send(180));
    const ringing = await phone.next(cid, "180", answers("INVITE", 180));
    const r487 = await cancelAndExpect487(d);
    assert.equal(tagOf(r487.get("to")), tagOf(ringing.get("to")), "the 487 has the 180's To tag");
    await waitFor("cancel event", () => got.canceled);
    const txnId = (got.req as unknown as { stackTxnId: string }).stackTxnId;
    const shape = new RegExp(
      `^${UUID}\\|sip\\|network\\|\\d+\\|udp\\|127\\.0\\.0\\.1\\|${phone.port}\\|${TIME}\\|${txnId}\\|` +
        `${esc(cid)};from-tag=${d.localTag}\\|\\r\\nCANCEL sip:`,
    );
    assert.match(cancelToApp(cid), shape, "INVITE's transaction id and the (early) dialog id");
    const late = await settle(createUAS(srf, got.req!, got.res!, { localSdp: sdp(40000) }));
    assert.deepEqual(late, { ok: false, error: "Response not sent due to unknown transaction" });
    const before = server.transcript.length;
    phone.send({ ...d, remoteTag: tagOf(r487.get("to")) ?? "" }, "ACK", {
      cseq: 1,
      branch: `z9hG4bK-${cid}`,
    });
    await sleep(100);
    const count487 = phone.count(cid, answers("INVITE", 487));
    await sleep(100);
    assert.equal(
      phone.count(cid, answers("INVITE", 487)),
      count487,
      "the ACK stops the 487's retransmissions",
    );
    assert.equal(phone.count(cid, answers("INVITE", 200)), 0);
    assert.ok(
      server.transcript.slice(before).every((m) => !m.msg.includes("\r\nACK ")),
      "the ACK for the 487 stays in the stack",
    );
  });

  it("before the app responded: the same, with the local address instead of a dialog id", async () => {
    const cid = `uas-c2-${rand()}`;
    const { got, d } = await incoming(cid, () => undefined);
    await phone.next(cid, "100", answers("INVITE", 100));
    await cancelAndExpect487(d);
    await waitFor("cancel event", () => got.canceled);
    const shape = new RegExp(
      `\\|${TIME}\\|${UUID}\\|\\|127\\.0\\.0\\.1\\|${server.sipPort}\\|\\r\\nCANCEL sip:`,
    );
    assert.match(cancelToApp(cid), shape);
    const late = await settle(createUAS(srf, got.req!, got.res!, { localSdp: sdp(40000) }));
    assert.deepEqual(late, { ok: false, error: "Response not sent due to unknown transaction" });
    await sleep(50);
    assert.equal(phone.count(cid, answers("INVITE", 200)), 0);
  });

  it("crossing the app's 200: 481 to the CANCEL, BYE to the caller, `destroy` in drachtio-srf", async () => {
    const cid = `uas-c3-${rand()}`;
    let reason: unknown;
    const { got, d } = await incoming(cid, () => undefined);
    const dlg = await createUAS(srf, got.req!, got.res!, { localSdp: sdp(40000) });
    dlg.on("destroy", (_bye, why) => (reason = why));
    const ok = await phone.next(cid, "200", answers("INVITE", 200));
    phone.send({ ...d, remoteTag: "" }, "CANCEL", { cseq: 1, branch: `z9hG4bK-${cid}` }); // no ACK yet
    await phone.next(cid, "481 to CANCEL", answers("CANCEL", 481));
    const bye = await phone.next(cid, "BYE", (m) => m.method === "BYE");
    assert.equal(bye.get("reason"), 'SIP ;cause=200 ;text="CANCEL after 200 OK"');
    assert.equal(tagOf(bye.get("from")), tagOf(ok.get("to")));
    assert.equal(bye.get("cseq"), "2 BYE");
    phone.respond(bye, 200, "OK");
    await waitFor("destroy", () => reason !== undefined);
    assert.equal(reason, "CANCEL after 200 OK");
    const n200 = phone.count(cid, answers("INVITE", 200));
    await sleep(150);
    assert.equal(phone.count(cid, answers("INVITE", 200)), n200, "the 200 is no longer retransmitted");
  });
});
