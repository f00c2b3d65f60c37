/**
 * Cancelling an outgoing call with drachtio-srf 5.0.29 (`req.cancel()` on the request cbRequest gave) against the
 * test server and a raw SIP phone: the CANCEL on the wire and the 487, a CANCEL held until the first provisional
 * response (sofia's nta_outgoing_tcancel), a CANCEL the callee never answers (408 at timer D), and a CANCEL racing
 * the callee's 200 - createUAC then resolves.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startDrachtioTestServer, type DrachtioTestServer } from "../../support/drachtio/index.js";
import { tagOf, topVia, viaParam } from "../../support/drachtio/sip-addr.js";
import type { SipMessage } from "../../support/drachtio/sip-message.js";
import { connectSrf, sleep, waitFor, type SrfReq, type TestSrf } from "./harness.js";
import { createUAC, Phone, rand, sdp, settle, type SipErrorLike } from "./call-peer.js";

const TIMER_B = 1000;
const branchOf = (m: SipMessage): string => String(viaParam(topVia(m)!, "branch"));
const is = (method: string) => (m: SipMessage) => m.method === method;
const answers = (method: string, status: number) => (m: SipMessage) =>
  m.status === status && m.cseq.method === method;

describe("drachtio test server: cancelling srf.createUAC", { timeout: 60_000 }, () => {
  let server: DrachtioTestServer;
  let srf: TestSrf;
  let phone: Phone;

  before(async () => {
    server = await startDrachtioTestServer({ t1Ms: 20, timerBMs: TIMER_B });
    srf = await connectSrf(server);
    phone = await Phone.open(server.sipPort);
  });
  after(async () => {
    srf.disconnect();
    phone.close();
    await server.stop();
  });

  /** Starts a call to the phone; resolves with the INVITE as the phone got it and the request to cancel. */
  async function call() {
    let sent: SrfReq | undefined;
    const user = `bob-${rand()}`;
    const result = settle(
      createUAC(
        srf,
        `sip:${user}@127.0.0.1:${phone.port}`,
        { localSdp: sdp(40000), headers: { From: "<sip:alice@gw.test>" } },
        { cbRequest: (_err, req) => (sent = req) },
      ),
    );
    const inv = await phone.udp.next("INVITE", (m) => m.method === "INVITE" && m.uri.includes(user));
    await waitFor("cbRequest", () => sent !== undefined);
    return { inv, req: sent!, result, cid: inv.callId };
  }

  /** req.cancel(callback) - resolves with the callback's error (drachtio-srf passes none when nothing was sent). */
  const cancel = (req: SrfReq): Promise<unknown> => new Promise((resolve) => req.cancel(resolve));
  /** The admin responses to the application's CANCELs for `req` that carry `text` instead of a message. */
  const explained = (req: SrfReq, text: string): string[] => {
    const txnId = (req as unknown as { stackTxnId: string }).stackTxnId;
    return server.transcript
      .map((m) => m.msg)
      .filter((m) => m.endsWith(`|OK|${text} transaction id: ${txnId}`));
  };

  it("after a 180: CANCEL on the wire, 200 and 487 from the callee, SipError 487, the 487 ACKed", async () => {
    const { inv, req, result, cid } = await call();
    phone.respond(inv, 180, "Ringing", { toTag: "c1" });
    await sleep(50);
    assert.equal(await cancel(req), null);
    const c = await phone.next(cid, "CANCEL", is("CANCEL"));
    assert.equal(c.uri, inv.uri);
    assert.equal(c.getAll("via").join(), inv.getAll("via")[0], "the INVITE's top Via, same branch");
    assert.deepEqual(
      ["from", "to", "call-id"].map((h) => c.get(h)),
      ["from", "to", "call-id"].map((h) => inv.get(h)),
      "From, To (no tag) and Call-ID of the INVITE",
    );
    assert.equal(c.get("cseq"), `${inv.cseq.seq} CANCEL`);
    assert.equal(await cancel(req), null, "a second cancel() is accepted too...");
    assert.equal(explained(req, "internal server error canceling").length, 1, "...with an explanation");
    phone.respond(c, 200, "OK", { toTag: "c1" });
    phone.respond(inv, 487, "Request Terminated", { toTag: "c1" });
    const r = await result;
    assert.ok(!r.ok);
    const err = r.error as SipErrorLike;
    assert.deepEqual([err.name, err.status, err.reason], ["SipError", 487, "Request Terminated"]);
    const ack = await phone.next(cid, "ACK", is("ACK"));
    assert.equal(branchOf(ack), branchOf(inv));
    assert.equal(tagOf(ack.get("to")), "c1");
    await sleep(100);
    assert.equal(phone.count(cid, is("CANCEL")), 1);
  });

  it("before any provisional response: the CANCEL waits for one (RFC 3261 9.1), as sofia holds it", async () => {
    const { inv, req, result, cid } = await call();
    await cancel(req);
    await sleep(200);
    assert.equal(phone.count(cid, is("CANCEL")), 0, "no CANCEL before a provisional response");
    phone.respond(inv, 100, "Trying");
    const c = await phone.next(cid, "CANCEL after 100", is("CANCEL"));
    phone.respond(c, 200, "OK");
    phone.respond(inv, 487, "Request Terminated", { toTag: "c2" });
    const r = await result;
    assert.equal(!r.ok && (r.error as SipErrorLike).status, 487);
  });

  it("before any provisional response: a held CANCEL is dropped when a final response comes first", async () => {
    const { inv, req, result, cid } = await call();
    await cancel(req);
    phone.respond(inv, 486, "Busy Here", { toTag: "c3" });
    const r = await result;
    assert.equal(!r.ok && (r.error as SipErrorLike).status, 486);
    await phone.next(cid, "ACK", is("ACK"));
    await sleep(200);
    assert.equal(phone.count(cid, is("CANCEL")), 0);
  });

  it("after a 180, a callee that never answers the CANCEL: the stack reports 408 at timer D", async () => {
    const t0 = Date.now();
    const { inv, req, result, cid } = await call();
    phone.respond(inv, 180, "Ringing", { toTag: "c6" });
    await sleep(50);
    await cancel(req);
    await phone.next(cid, "CANCEL", is("CANCEL")); // and silence
    const r = await result;
    assert.equal(!r.ok && (r.error as SipErrorLike).status, 408);
    assert.ok(Date.now() - t0 >= TIMER_B, `408 after ${Date.now() - t0} ms`);
    await sleep(100);
    assert.equal(phone.count(cid, is("ACK")), 0, "a 408 made up by the stack is not ACKed");
  });

  it("racing the callee's 200 on the wire: createUAC resolves with a Dialog anyway; the app must BYE it", async () => {
    const { inv, req, result, cid } = await call();
    phone.respond(inv, 180, "Ringing", { toTag: "c4" });
    await sleep(50);
    await cancel(req);
    const c = await phone.next(cid, "CANCEL", is("CANCEL"));
    phone.respond(inv, 200, "OK", { toTag: "c4", body: sdp(50000) }); // sent before the CANCEL arrived
    phone.respond(c, 481, "Call/Transaction Does Not Exist", { toTag: "c4" });
    const r = await result;
    assert.ok(r.ok, "drachtio-srf does not remember the cancel: the call is up");
    assert.equal(r.value.remote.sdp, sdp(50000));
    await phone.next(cid, "ACK for the 200", is("ACK"));
    const bye = r.value.destroy();
    phone.respond(await phone.next(cid, "BYE", is("BYE")), 200, "OK");
    await bye;
  });

  it("after the 200 reached the server: nothing is sent, cancel() reports no error, the call is up", async () => {
    const { inv, req, result, cid } = await call();
    phone.respond(inv, 200, "OK", { toTag: "c5", body: sdp(50000) });
    const r = await result;
    assert.ok(r.ok);
    assert.equal(await cancel(req), null);
    assert.equal(explained(req, "unable to cancel unknown").length, 1, "OK, an explanation, no message");
    await phone.next(cid, "ACK", is("ACK"));
    await sleep(100);
    assert.equal(phone.count(cid, is("CANCEL")), 0);
    assert.equal(phone.count(cid, answers("INVITE", 487)), 0);
    const bye = r.value.destroy();
    phone.respond(await phone.next(cid, "BYE", is("BYE")), 200, "OK");
    await bye;
  });
});
