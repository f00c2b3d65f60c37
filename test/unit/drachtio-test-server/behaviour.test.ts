/**
 * Transaction, transport and connection behaviour of the drachtio test server with real sockets on loopback:
 * retransmissions, TCP, timeouts, CANCEL both ways, unrouted requests, restart, a broken admin client.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { startDrachtioTestServer, type DrachtioTestServer } from "../../support/drachtio/index.js";
import { SipMessage } from "../../support/drachtio/sip-message.js";
import { encodeFrame } from "../../support/drachtio/wire.js";
import { tagOf } from "../../support/drachtio/sip-addr.js";
import {
  connectSrf,
  freePort,
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

describe("drachtio test server behaviour", { timeout: 60_000 }, () => {
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

  it("carries SIP over TCP in both directions", async () => {
    const callId = id();
    const sock = net.connect(server.sipPort, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    const port = sock.localPort ?? 0;
    let inbound = "";
    sock.on("data", (d: Buffer) => (inbound += d.toString()));
    const msg = sipRequest({
      method: "MESSAGE",
      from: { port, transport: "TCP" },
      to: server.sipPort,
      branch: `z9hG4bK${callId}`,
      callId,
      body: "over tcp",
    });
    sock.write(msg.slice(0, 40)); // split across segments
    await sleep(20);
    sock.write(msg.slice(40));
    await waitFor("202 over TCP", () => /^SIP\/2\.0 202/m.test(inbound));
    assert.equal(seen.find((r) => r.get("Call-ID") === callId)?.protocol, "tcp");
    assert.match(inbound, /Via: SIP\/2\.0\/TCP 127\.0\.0\.1:\d+;branch=z9hG4bKcall-\d+-\d+;rport=\d+/);
    sock.destroy();

    // the application sends to a TCP listener
    const conns: net.Socket[] = [];
    const uas = net.createServer((s) => {
      conns.push(s);
      let buf = "";
      s.on("data", (d: Buffer) => {
        buf += d.toString();
        if (buf.includes("\r\n\r\nhello")) s.write(sipResponse(SipMessage.parse(buf), 200, "OK", "uas1"));
      });
    });
    await new Promise<void>((r) => uas.listen(0, "127.0.0.1", r));
    const uasPort = (uas.address() as net.AddressInfo).port;
    const req = await srf.request(`sip:x@127.0.0.1:${uasPort};transport=tcp`, {
      method: "MESSAGE",
      headers: { "Content-Type": "text/plain" },
      body: "hello",
    });
    const status = await new Promise<number>((resolve) => req.on("response", (res) => resolve(res.status)));
    assert.equal(status, 200);
    for (const c of conns) c.destroy();
    await new Promise((r) => uas.close(r));
  });

  it("retransmits over UDP with timer E and answers 408 when timer F fires", async () => {
    const silent = await UdpPeer.open();
    const t0 = Date.now();
    const req = await srf.request(`sip:x@127.0.0.1:${silent.port}`, {
      method: "MESSAGE",
      headers: { "Content-Type": "text/plain" },
      body: "anyone?",
    });
    const res = await new Promise<{ status: number; at: number }>((resolve) =>
      req.on("response", (r) => resolve({ status: r.status, at: Date.now() })),
    );
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

  it("survives garbage on the admin socket and rejects a wrong secret like drachtio-server", async () => {
    const garbage = net.connect(server.adminPort, "127.0.0.1");
    garbage.on("error", () => undefined);
    garbage.write("this is not drachtio\r\n\x00\xff" + "x".repeat(64));
    await new Promise((r) => garbage.once("close", r));

    const wrong = net.connect(server.adminPort, "127.0.0.1");
    let answer = "";
    wrong.on("data", (d: Buffer) => (answer += d.toString()));
    wrong.write(encodeFrame("p1|ping"));
    wrong.write(encodeFrame("0123456789abcdef|authenticate|not-it|"));
    await new Promise((r) => wrong.once("close", r));
    const [pong, no] = answer.split(/\d+#(?=[0-9a-f-]{36}\|)/).filter(Boolean);
    assert.match(pong ?? "", /^[0-9a-f-]{36}\|response\|p1\|OK\|pong$/);
    assert.match(no ?? "", /^[0-9a-f-]{36}\|response\|0123456789abcdef\|NO\|incorrect secret$/);

    // the connected application still works
    const callId = id();
    peer.send(
      sipRequest({
        method: "MESSAGE",
        from: { port: peer.port },
        to: server.sipPort,
        branch: `z9hG4bK${callId}`,
        callId,
        body: "x",
      }),
      server.sipPort,
    );
    await peer.next("202", (m) => m.callId === callId && m.status === 202);
  });

  it("restarts on the same ports and drachtio-srf reconnects by itself", async () => {
    const ports = [server.adminPort, server.sipPort];
    let reconnected = false;
    srf.on("connect", () => (reconnected = true));
    await server.restart();
    assert.deepEqual([server.adminPort, server.sipPort], ports);
    await waitFor("drachtio-srf reconnected", () => reconnected, 10_000);
    const callId = id();
    const msg = sipRequest({
      method: "MESSAGE",
      from: { port: peer.port },
      to: server.sipPort,
      branch: `z9hG4bK${callId}`,
      callId,
      body: "again",
    });
    peer.send(msg, server.sipPort);
    await peer.next("202 after restart", (m) => m.callId === callId && m.status === 202);
  });

  it("stops cleanly: nothing listens on its ports afterwards", async () => {
    const s = await startDrachtioTestServer();
    const { adminPort } = s;
    await s.stop();
    const probe = net.connect(adminPort, "127.0.0.1");
    const refused = await new Promise<boolean>((r) =>
      probe.once("error", () => r(true)).once("connect", () => r(false)),
    );
    probe.destroy();
    assert.ok(refused);
    assert.ok((await freePort()) > 0);
  });
});
