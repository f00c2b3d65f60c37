/**
 * Outgoing audio calls through drachtio-srf 5.0.29's srf.createUAC against the test server, with a raw SIP phone
 * on UDP loopback: provisional responses (180 without SDP, 183 with SDP, 100 kept in the stack), the answer and
 * its ACK, the proxy option, failures (486/603/404/480) ACKed hop-by-hop by the stack, and timer B (408).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startDrachtioTestServer, type DrachtioTestServer } from "../../support/drachtio/index.js";
import { tagOf, topVia, uriOf, viaParam } from "../../support/drachtio/sip-addr.js";
import type { SipMessage } from "../../support/drachtio/sip-message.js";
import { connectSrf, sleep, waitFor, type TestSrf } from "./harness.js";
import { createUAC, Phone, rand, sdp, settle, type SipErrorLike } from "./call-peer.js";

const TIMER_B = 500;
const branchOf = (m: SipMessage): string => String(viaParam(topVia(m)!, "branch"));
const isInvite = (m: SipMessage): boolean => m.method === "INVITE";

describe("drachtio test server: srf.createUAC calls", { timeout: 60_000 }, () => {
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

  /** createUAC to the phone through `proxy`, as the gateway calls it; resolves once the phone has the INVITE. */
  async function call(provisional: Array<{ status: number; body: string }> = []) {
    const user = `bob-${rand()}`;
    const result = settle(
      createUAC(
        srf,
        `sip:${user}@carrier.invalid`,
        {
          localSdp: sdp(40000),
          headers: { From: "<sip:alice@gw.test>", "X-Call": user },
          proxy: `sip:127.0.0.1:${phone.port}`,
        },
        { cbProvisional: (res) => provisional.push({ status: res.status, body: res.body }) },
      ),
    );
    const inv = await phone.udp.next(`INVITE for ${user}`, (m) => isInvite(m) && m.get("x-call") === user);
    return { inv, result, cid: inv.callId };
  }

  it("passes 180 without SDP and 183 with SDP to cbProvisional (not 100), resolves on 200 and ACKs it", async () => {
    const provisional: Array<{ status: number; body: string }> = [];
    const { inv, result, cid } = await call(provisional);
    assert.match(
      inv.uri,
      /^sip:bob-\w+@carrier\.invalid$/,
      "the Request-URI stays the target; the proxy routes",
    );
    assert.equal(inv.get("content-type"), "application/sdp");
    assert.equal(inv.body, sdp(40000));
    assert.match(inv.get("contact") ?? "", new RegExp(`^<sip:127\\.0\\.0\\.1:${server.sipPort}>$`));
    phone.respond(inv, 100, "Trying");
    phone.respond(inv, 180, "Ringing", { toTag: "ph1" });
    await waitFor("180 reported", () => provisional.length === 1);
    phone.respond(inv, 183, "Session Progress", { toTag: "ph1", body: sdp(50000) });
    await waitFor("183 reported", () => provisional.length === 2);
    phone.respond(inv, 200, "OK", { toTag: "ph1", body: sdp(50002) });
    const r = await result;
    assert.ok(r.ok, "createUAC resolves");
    const dlg = r.value;
    assert.deepEqual(provisional, [
      { status: 180, body: "" },
      { status: 183, body: sdp(50000) },
    ]);
    assert.equal(dlg.remote.sdp, sdp(50002));
    assert.equal(dlg.sip.remoteTag, "ph1");
    assert.equal(dlg.id, `${cid};from-tag=${tagOf(inv.get("from"))}`);
    const ack = await phone.next(cid, "ACK", (m) => m.method === "ACK");
    assert.equal(ack.uri, uriOf(phone.contact), "the ACK for a 2xx goes to the Contact");
    assert.equal(ack.get("cseq"), `${inv.cseq.seq} ACK`);
    assert.notEqual(branchOf(ack), branchOf(inv), "the ACK for a 2xx is a new transaction");
    assert.equal(tagOf(ack.get("to")), "ph1");
    const bye = dlg.destroy();
    phone.respond(await phone.next(cid, "BYE", (m) => m.method === "BYE"), 200, "OK");
    await bye;
  });

  for (const [status, reason] of [
    [486, "Busy Here"],
    [603, "Decline"],
    [404, "Not Found"],
    [480, "Temporarily Unavailable"],
  ] as const) {
    it(`rejects with SipError ${status} and the stack ACKs the ${status} hop-by-hop`, async () => {
      const { inv, result, cid } = await call();
      phone.respond(inv, 180, "Ringing", { toTag: `t${status}` });
      phone.respond(inv, status, reason, { toTag: `t${status}` });
      const r = await result;
      assert.ok(!r.ok, "createUAC rejects");
      const err = r.error as SipErrorLike;
      assert.ok(err instanceof Error);
      assert.equal(err.name, "SipError");
      assert.equal(err.status, status);
      assert.equal(err.reason, reason);
      assert.equal(err.message, `Sip non-success response: ${status}`);
      assert.equal(err.res?.status, status);
      const ack = await phone.next(cid, "ACK", (m) => m.method === "ACK");
      assert.equal(ack.uri, inv.uri);
      assert.equal(branchOf(ack), branchOf(inv), "same branch as the INVITE");
      assert.equal(ack.get("cseq"), `${inv.cseq.seq} ACK`);
      assert.equal(tagOf(ack.get("to")), `t${status}`);
      await sleep(100);
      assert.equal(
        phone.count(cid, (m) => m.method === "ACK"),
        1,
        "drachtio-srf's own ACK is refused",
      );
      const refused = server.transcript.filter((m) =>
        m.msg.includes("|NOK|Server error: ACK for non-success final response is automatically generated"),
      );
      assert.ok(refused.length > 0);
    });
  }

  it("rejects with SipError 408 when nothing answers (timer B), after retransmitting the INVITE", async () => {
    const t0 = Date.now();
    const { result, cid } = await call();
    const r = await result;
    assert.ok(!r.ok);
    assert.equal((r.error as SipErrorLike).status, 408);
    assert.ok(Date.now() - t0 >= TIMER_B - 50, `408 after ${Date.now() - t0} ms`);
    assert.ok(phone.count(cid, isInvite) >= 3, "timer A retransmissions");
    await sleep(100);
    assert.equal(
      phone.count(cid, (m) => m.method === "ACK"),
      0,
      "a 408 made up by the stack is not ACKed",
    );
  });
});
