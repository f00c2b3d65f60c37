/**
 * The gateway process against peers that are missing, wrong or hostile: it must say what is wrong,
 * keep running, answer SIP honestly (503 while it cannot deliver), and still stop cleanly.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startDrachtioTestServer } from "../support/drachtio/index.js";
import { getDrachtioEndpoint, type DrachtioEndpoint } from "../support/drachtio-endpoint.js";
import { drachtioOf, startGateway, xmppOf } from "../support/gateway-process.js";
import { freePort } from "../support/ports.js";
import { startProsody } from "../support/prosody.js";
import { sendRawMessageFull } from "../support/raw-sip.js";
import { runSipp, startSippServer } from "../support/sipp.js";
import { messageUas } from "../support/sipp-message.js";
import { connectClient, xml } from "../support/xmpp-test-client.js";
import type { XmppServer } from "../support/xmpp-server.js";

const OPTIONS_503 = fileURLToPath(new URL("./scenarios/options-503.xml", import.meta.url));

async function listen(server: Server): Promise<number> {
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("gateway robustness", () => {
  let drachtio: DrachtioEndpoint;
  let prosody: XmppServer;
  let deadPort: number;

  before(async () => {
    [drachtio, prosody, deadPort] = await Promise.all([getDrachtioEndpoint(), startProsody(), freePort()]);
  });
  after(async () => {
    await Promise.all([drachtio?.stop(), prosody?.stop()]);
  });

  it("answers OPTIONS with 503 and Retry-After while the XMPP server is unreachable, and says so in /health", async () => {
    const gw = await startGateway({
      xmpp: { host: "127.0.0.1", port: deadPort, domain: "sip.xmpp.test", secret: "x" },
      drachtio: drachtioOf(drachtio),
      rtpengine: { host: "127.0.0.1", port: deadPort },
      sipDomains: ["sip.xmpp.test"],
    });
    try {
      await gw.waitFor((h) => h.links.sip.up, 15_000, "drachtio link up");
      const h = await gw.health();
      assert.equal(h?.ok, false);
      assert.equal(h?.links.xmpp.up, false);
      assert.equal(h?.links.media.up, false, "rtpengine is not there either");
      const res = await runSipp({
        scenario: OPTIONS_503,
        remote: `${drachtio.sipHost}:${drachtio.sipPort}`,
        calls: 1,
        timeoutMs: 10_000,
      });
      assert.equal(res.exitCode, 0, res.stdout + res.stderr);
      const health = await fetch(gw.healthUrl);
      assert.equal(health.status, 503);
      // A MESSAGE cannot be delivered now: 503 with Retry-After, never a 202 for a message it would lose.
      const msg = await sendRawMessageFull(drachtio.sipHost, drachtio.sipPort, {
        from: "sip:bob@sip.xmpp.test",
        to: "sip:alice@xmpp.test",
        contentType: "text/plain;charset=UTF-8",
        body: Buffer.from("is anyone there?"),
      });
      assert.equal(msg.status, 503);
      assert.match(msg.header("Retry-After") ?? "", /^\d+$/);
    } finally {
      assert.equal(await gw.stop(), 0, "SIGTERM with links down still exits 0");
    }
  });

  it("survives garbage on the drachtio admin socket and keeps reconnecting", async () => {
    let connections = 0;
    const sockets = new Set<Socket>();
    const garbage = createServer((s) => {
      connections++;
      sockets.add(s);
      s.on("error", () => undefined);
      s.write("this is not drachtio\r\n\x00\xff" + "x".repeat(64));
      s.write("12#short|garbage");
      s.write("5#a|b|c|d|e|f\r\n");
    });
    const port = await listen(garbage);
    const gw = await startGateway({
      xmpp: xmppOf(prosody),
      drachtio: { host: "127.0.0.1", port, secret: "s" },
      rtpengine: { host: "127.0.0.1", port: deadPort },
      sipDomains: [prosody.componentDomain],
    });
    try {
      await gw.waitFor((h) => h.links.xmpp.up, 15_000, "XMPP link up");
      const t0 = Date.now();
      while (connections < 3 && Date.now() - t0 < 10_000) await sleep(100);
      assert.ok(connections >= 3, `the gateway reconnected ${connections} times`);
      assert.equal(gw.child.exitCode, null, "the gateway is still running");
      assert.match(gw.log(), /unreadable data on the drachtio admin connection/);
      const h = await gw.health();
      assert.equal(h?.links.sip.up, false);
      assert.equal(h?.links.xmpp.up, true);
    } finally {
      assert.equal(await gw.stop("SIGINT"), 0, "SIGINT exits 0 too");
      for (const s of sockets) s.destroy();
      garbage.close();
    }
  });

  it("on SIGTERM lets a message in flight finish (its receipt arrives), then exits 0", async () => {
    const proxyPort = await freePort();
    const gw = await startGateway({
      xmpp: xmppOf(prosody),
      drachtio: drachtioOf(drachtio),
      rtpengine: { host: "127.0.0.1", port: deadPort },
      sipDomains: [prosody.componentDomain],
      env: { GATEWAY_SIP_OUTBOUND_PROXY: `sip:127.0.0.1:${proxyPort}` },
    });
    await prosody.registerUser("carol", "carolpw");
    const carol = await connectClient({ server: prosody, user: "carol", password: "carolpw" });
    try {
      await gw.waitFor((h) => h.links.xmpp.up && h.links.sip.up, 15_000, "links up");
      const uas = await startSippServer({
        scenario: messageUas({ status: 200, delayMs: 1500 }),
        port: proxyPort,
        calls: 1,
        timeoutMs: 10_000,
      });
      await carol.send(
        xml(
          "message",
          { to: `bob@${prosody.componentDomain}`, type: "chat", id: "slow" },
          xml("body", {}, "answer slowly"),
          xml("request", { xmlns: "urn:xmpp:receipts" }),
        ),
      );
      // The MESSAGE is at sipp, which waits 1.5 s before its 200: stop the gateway now.
      await sleep(500);
      const exit = gw.stop();
      const receipt = await carol.waitFor(
        (st) => st.getChild("received", "urn:xmpp:receipts")?.attrs.id === "slow",
        5000,
      );
      assert.equal(receipt.attrs.from, `bob@${prosody.componentDomain}`);
      assert.equal(await exit, 0);
      await uas.done;
    } finally {
      await carol.stop();
      await gw.stop();
    }
  });

  it("a SIP peer that never answers becomes remote-server-timeout (drachtio's Timer F)", async () => {
    // A drachtio test server with T1 = 50 ms, so Timer F (64*T1) fires after 3.2 s instead of 32 s.
    const fast = await startDrachtioTestServer({ t1Ms: 50 });
    const proxyPort = await freePort();
    const gw = await startGateway({
      xmpp: xmppOf(prosody),
      drachtio: { host: fast.host, port: fast.adminPort, secret: fast.secret },
      rtpengine: { host: "127.0.0.1", port: deadPort },
      sipDomains: [prosody.componentDomain],
      env: { GATEWAY_SIP_OUTBOUND_PROXY: `sip:127.0.0.1:${proxyPort}` },
    });
    await prosody.registerUser("dave", "davepw");
    const dave = await connectClient({ server: prosody, user: "dave", password: "davepw" });
    const uas = await startSippServer({
      scenario: messageUas({ status: "none" }),
      port: proxyPort,
      calls: 1,
      timeoutMs: 10_000,
    });
    try {
      await gw.waitFor((h) => h.links.xmpp.up && h.links.sip.up, 15_000, "links up");
      await dave.send(
        xml(
          "message",
          { to: `bob@${prosody.componentDomain}`, type: "chat", id: "lost" },
          xml("body", {}, "hello?"),
        ),
      );
      const err = await dave.waitFor((st) => st.attrs.id === "lost", 10_000);
      assert.equal(err.attrs.type, "error");
      assert.ok(
        err.getChild("error")?.getChild("remote-server-timeout", "urn:ietf:params:xml:ns:xmpp-stanzas"),
      );
    } finally {
      await uas.stop().catch(() => undefined);
      await dave.stop();
      await gw.stop();
      await fast.stop();
    }
  });

  it("names the key to check when a secret is wrong, and keeps running", async () => {
    const gw = await startGateway({
      xmpp: xmppOf(prosody, "wrong"),
      drachtio: drachtioOf(drachtio, "wrong-too"),
      rtpengine: { host: "127.0.0.1", port: deadPort },
      sipDomains: [prosody.componentDomain],
    });
    try {
      const t0 = Date.now();
      while (
        !(/xmpp\.secret/.test(gw.log()) && /sip\.drachtio\.secret/.test(gw.log())) &&
        Date.now() - t0 < 10_000
      ) {
        await sleep(100);
      }
      assert.match(gw.log(), /not-authorized.*check xmpp\.secret/);
      assert.match(gw.log(), /check sip\.drachtio\.secret/);
      assert.equal(gw.child.exitCode, null);
      const h = await gw.health();
      assert.equal(h?.links.xmpp.up, false);
      assert.equal(h?.links.sip.up, false);
    } finally {
      assert.equal(await gw.stop(), 0);
    }
  });
});
