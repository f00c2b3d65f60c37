/**
 * SIP transaction behaviour of the drachtio test server with real sockets on loopback: retransmitted requests,
 * 100 Trying, timers E/F and G/H, CANCEL both ways, ACK for non-2xx, unrouted requests, loopback-only sending.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startDrachtioTestServer, type DrachtioTestServer } from "../../support/drachtio/index.js";
import type { SipMessage } from "../../support/drachtio/sip-message.js";
import { tagOf } from "../../support/drachtio/sip-addr.js";
import {
  connectSrf,
  requestStatus,
  sipRequest,
  sipResponse,
  sleep,
  UdpPeer,
  waitFor,
  type SrfReq,
  type SrfRes,
  type TestSrf,
} from "./harness.js";

const T1 = 20;
const TIMER_B = 500;

describe("drachtio test server transactions", { timeout: 60_000 }, () => {
  let server: DrachtioTestServer;
  let srf: TestSrf;
  let peer: UdpPeer;
  const seen: SrfReq[] = [];
  let inviteHandler: (req: SrfReq) => void = () => undefined;
  let lastRes: SrfRes | undefined;
  let n = 0;
  const id = (): string => `call-${++n}-${Date.now()}`;

  before(async () => {
    server = await startDrachtioTestServer({ t1Ms: T1, timerBMs: TIMER_B });
    srf = await connectSrf(server, (s) => {
      s.message((req, res) => {
        seen.push(req);
        setTimeout(() => res.send(202), 50);
      });
      s.invite((req, res) => {
        lastRes = res;
        inviteHandler(req);
      });
    });
    peer = await UdpPeer.open();
  });
  after(async () => {
    srf.disconnect();
    peer.close();
    await server.stop();
  });

  it("absorbs a retransmitted request: the application sees it once, every copy gets the response", async () => {
    const callId = id();
    const msg = sipRequest({
      method: "MESSAGE",
      from: { port: peer.port },
      to: server.sipPort,
      branch: `z9hG4bK${callId}`,
      callId,
      body: "hi",
    });
    peer.send(msg, server.sipPort);
    peer.send(msg, server.sipPort); // while the application is still working on it
    const isOurs = (m: SipMessage): boolean => m.callId === callId && m.status === 202;
    const first = await peer.next("202", isOurs);
    peer.send(msg, server.sipPort); // after the response: it is replayed
    const second = await peer.next("replayed 202", isOurs, 2);
    assert.equal(second.toString(false), first.toString(false));
    await sleep(100);
    assert.equal(seen.filter((r) => r.get("Call-ID") === callId).length, 1);
    assert.equal(peer.received.filter(isOurs).length, 2);
  });

  it("answers 100 Trying to an INVITE and replays it for a retransmission", async () => {
    inviteHandler = () => undefined; // the application takes its time
    const callId = id();
    const inv = sipRequest({
      method: "INVITE",
      from: { port: peer.port },
      to: server.sipPort,
      branch: `z9hG4bK${callId}`,
      callId,
    });
    peer.send(inv, server.sipPort);
    await peer.next("100", (m) => m.callId === callId && m.status === 100);
    peer.send(inv, server.sipPort);
    await peer.next("second 100", (m) => m.callId === callId && m.status === 100, 2);
  });

  it("retransmits over UDP with timer E and answers 408 when timer F fires", async () => {
    const silent = await UdpPeer.open();
    const t0 = Date.now();
    const status = await requestStatus(srf, `sip:x@127.0.0.1:${silent.port}`, {
      method: "MESSAGE",
      headers: { "Content-Type": "text/plain" },
      body: "anyone?",
    });
    const res = { status, at: Date.now() };
    assert.equal(res.status, 408);
    assert.ok(res.at - t0 >= TIMER_B - 20 && res.at - t0 < TIMER_B + 400, `408 after ${res.at - t0} ms`);
    const copies = silent.received.map((m) => m.toString(false));
    assert.ok(copies.length >= 4, `${copies.length} transmissions`); // 0, T1, 3T1, 7T1, 15T1, ...
    assert.equal(new Set(copies).size, 1, "retransmissions are identical");
    silent.close();
  });

  it("answers an incoming CANCEL with 200, the INVITE with 487, absorbs the ACK and tells the application", async () => {
    let canceled = false;
    inviteHandler = (req) => req.on("cancel", () => (canceled = true));
    const callId = id();
    const branch = `z9hG4bK${callId}`;
    const send = (method: string, toTag?: string): void =>
      peer.send(
        sipRequest({ method, from: { port: peer.port }, to: server.sipPort, branch, callId, toTag }),
        server.sipPort,
      );
    send("INVITE");
    await peer.next("100", (m) => m.callId === callId && m.status === 100);
    await sleep(50);
    send("CANCEL");
    await peer.next(
      "200 to CANCEL",
      (m) => m.callId === callId && m.status === 200 && m.cseq.method === "CANCEL",
    );
    const r487 = await peer.next("487", (m) => m.callId === callId && m.status === 487);
    await waitFor("cancel event", () => canceled);
    const cancelMsg = server.transcript.find(
      (m) => m.msg.includes("\r\nCANCEL sip:") && m.msg.includes(callId),
    );
    assert.match(
      cancelMsg?.msg ?? "",
      /^[0-9a-f-]{36}\|sip\|network\|\d+\|udp\|127\.0\.0\.1\|\d+\|[\d:.]+\|[0-9a-f-]{36}\|\|127\.0\.0\.1\|\d+\|\r\n/,
    );
    const before = server.transcript.length;
    const count487 = (): number =>
      peer.received.filter((m) => m.callId === callId && m.status === 487).length;
    send("ACK", tagOf(r487.get("to"))); // ACK for a non-2xx: same branch as the INVITE
    await sleep(3 * T1);
    const afterAck = count487();
    await sleep(100);
    assert.equal(server.transcript.length, before, "the ACK for the 487 stays in the transaction layer");
    assert.equal(count487(), afterAck, "the 487 is no longer retransmitted once ACKed");
  });

  it("retransmits a 2xx to INVITE until timer H, then BYEs the peer and tells the application", async () => {
    let destroyed = false;
    inviteHandler = (req) =>
      void srf
        .createUAS(req, lastRes!, { localSdp: "v=0\r\n" })
        .then((d) => d.on("destroy", () => (destroyed = true)));
    const callId = id();
    peer.send(
      sipRequest({
        method: "INVITE",
        from: { port: peer.port },
        to: server.sipPort,
        branch: `z9hG4bK${callId}`,
        callId,
      }),
      server.sipPort,
    );
    await peer.next("200 retransmitted", (m) => m.callId === callId && m.status === 200, 3);
    const bye = await peer.next("BYE", (m) => m.callId === callId && m.method === "BYE", 1, TIMER_B + 2000);
    assert.match(bye.get("reason") ?? "", /ACK timeout/);
    await waitFor("dialog destroyed in the application", () => destroyed);
    const unsolicited = server.transcript.find(
      (m) => m.msg.includes("|unsolicited|") && m.msg.includes(callId),
    );
    assert.match(
      unsolicited?.msg ?? "",
      /^[0-9a-f-]{36}\|sip\|application\|\d+\|udp\|127\.0\.0\.1\|\d+\|[\d:.]+\|unsolicited\|[^|]+;from-tag=[^|]+\|\r\nBYE /,
    );
  });

  it("sends the application's CANCEL, reports the 487 and ACKs it itself", async () => {
    const uas = await UdpPeer.open();
    let sent: SrfReq | undefined;
    const result = srf
      .createUAC(
        `sip:x@127.0.0.1:${uas.port}`,
        { localSdp: "v=0\r\n" },
        { cbRequest: (_err, r) => (sent = r) },
      )
      .then(
        () => 0,
        (e: { status?: number }) => e.status ?? -1,
      );
    const invite = await uas.next("INVITE", (m) => m.method === "INVITE");
    uas.send(sipResponse(invite, 180, "Ringing", "uas2"), server.sipPort);
    await waitFor("request sent", () => sent !== undefined);
    sent?.cancel();
    const cancel = await uas.next("CANCEL", (m) => m.method === "CANCEL");
    assert.equal(cancel.getAll("via")[0], invite.getAll("via")[0], "CANCEL has the INVITE's Via");
    assert.equal(cancel.uri, invite.uri);
    uas.send(sipResponse(cancel, 200, "OK", "uas2"), server.sipPort);
    uas.send(sipResponse(invite, 487, "Request Terminated", "uas2"), server.sipPort);
    assert.equal(await result, 487);
    const ack = await uas.next("ACK", (m) => m.method === "ACK");
    assert.equal(
      ack.getAll("via")[0],
      invite.getAll("via")[0],
      "ACK for a non-2xx is hop-by-hop (same branch)",
    );
    assert.match(ack.get("to") ?? "", /tag=uas2/);
    uas.close();
  });

  it("answers 503 to requests no application routes, and 481 to a BYE outside any dialog", async () => {
    const callId = id();
    peer.send(
      sipRequest({
        method: "OPTIONS",
        from: { port: peer.port },
        to: server.sipPort,
        branch: `z9hG4bK${callId}`,
        callId,
      }),
      server.sipPort,
    );
    const r = await peer.next("503", (m) => m.callId === callId);
    assert.deepEqual([r.status, r.reason], [503, "Service Unavailable"]);
    const byeId = id();
    peer.send(
      sipRequest({
        method: "BYE",
        from: { port: peer.port },
        to: server.sipPort,
        branch: `z9hG4bK${byeId}`,
        callId: byeId,
        toTag: "nope",
      }),
      server.sipPort,
    );
    assert.equal((await peer.next("481", (m) => m.callId === byeId)).status, 481);
  });

  it("sends nothing off the loopback: other destinations fail at once with 503, without DNS", async () => {
    for (const uri of ["sip:x@192.0.2.1:5060", "sip:x@example.invalid"]) {
      const t0 = Date.now();
      const status = await requestStatus(srf, uri, {
        method: "MESSAGE",
        headers: { "Content-Type": "text/plain" },
        body: "x",
      });
      assert.equal(status, 503, uri);
      assert.ok(Date.now() - t0 < TIMER_B, uri);
    }
  });
});
