/**
 * Transports and connections of the drachtio test server: SIP over TCP both ways, a broken or unauthorised admin
 * client, restart on the same ports with drachtio-srf reconnecting by itself, and a clean stop.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { startDrachtioTestServer, type DrachtioTestServer } from "../../support/drachtio/index.js";
import { SipMessage } from "../../support/drachtio/sip-message.js";
import { encodeFrame } from "../../support/drachtio/wire.js";
import {
  connectSrf,
  requestStatus,
  freePort,
  sipRequest,
  sipResponse,
  sleep,
  UdpPeer,
  waitFor,
  type SrfReq,
  type TestSrf,
} from "./harness.js";

const T1 = 20;

describe("drachtio test server connections", { timeout: 60_000 }, () => {
  let server: DrachtioTestServer;
  let srf: TestSrf;
  let peer: UdpPeer;
  const seen: SrfReq[] = [];
  let n = 0;
  const id = (): string => `call-${++n}-${Date.now()}`;

  before(async () => {
    server = await startDrachtioTestServer({ t1Ms: T1 });
    srf = await connectSrf(server, (s) => {
      s.message((req, res) => {
        seen.push(req);
        setTimeout(() => res.send(202), 50);
      });
    });
    peer = await UdpPeer.open();
  });
  after(async () => {
    srf.disconnect();
    peer.close();
    await server.stop();
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
    const status = await requestStatus(srf, `sip:x@127.0.0.1:${uasPort};transport=tcp`, {
      method: "MESSAGE",
      headers: { "Content-Type": "text/plain" },
      body: "hello",
    });
    assert.equal(status, 200);
    for (const c of conns) c.destroy();
    await new Promise((r) => uas.close(r));
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
