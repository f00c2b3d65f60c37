/**
 * End-to-end smoke test, once on Prosody and once on ejabberd: the real gateway process with a real
 * XMPP server, rtpengine and sipp, and drachtio (the test server, or a real drachtio-server given by
 * DRACHTIO_* variables). It checks what an operator checks first, then restarts the XMPP server and
 * the drachtio server and measures how long the gateway takes to be back without intervention.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { getDrachtioEndpoint, type DrachtioEndpoint } from "../support/drachtio-endpoint.js";
import { startEjabberd } from "../support/ejabberd.js";
import { drachtioOf, startGateway, xmppOf, type GatewayProcess } from "../support/gateway-process.js";
import { startProsody } from "../support/prosody.js";
import { startRtpengine } from "../support/rtpengine.js";
import { runSipp } from "../support/sipp.js";
import type { XmppServer, XmppServerOptions } from "../support/xmpp-server.js";
import { connectClient, IqError, xml, type Element, type TestClient } from "../support/xmpp-test-client.js";

const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";
const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));
const OPTIONS_200 = fileURLToPath(new URL("../support/sipp/options-uac.xml", import.meta.url));

/** Timings measured by the restart tests, printed at the end for the issue notes. */
const timings: string[] = [];

const servers: Array<[string, (o: XmppServerOptions) => Promise<XmppServer>]> = [
  ["prosody", startProsody],
  ["ejabberd", startEjabberd],
];

for (const [kind, startServer] of servers) {
  describe(`smoke on ${kind}`, () => {
    let server: XmppServer;
    let drachtio: DrachtioEndpoint;
    let rtpengine: Awaited<ReturnType<typeof startRtpengine>>;
    let gateway: GatewayProcess;
    let alice: TestClient;
    let component: string;

    const sipp = (scenarioFile: string, service = "gateway") =>
      runSipp({
        scenario: scenarioFile,
        remote: `${drachtio.sipHost}:${drachtio.sipPort}`,
        calls: 1,
        timeoutMs: 10_000,
        extraArgs: ["-s", service],
      });

    const iqError = async (p: Promise<Element>): Promise<IqError> => {
      try {
        const r = await p;
        assert.fail(`expected an error, got ${r.toString()}`);
      } catch (e) {
        if (e instanceof IqError) return e;
        throw e;
      }
    };

    before(async () => {
      [server, drachtio, rtpengine] = await Promise.all([
        startServer({ users: [{ user: "alice", password: "alicepw" }] }),
        getDrachtioEndpoint(),
        startRtpengine(),
      ]);
      component = server.componentDomain;
      gateway = await startGateway({
        xmpp: xmppOf(server),
        drachtio: drachtioOf(drachtio),
        rtpengine: { host: rtpengine.host, port: rtpengine.ngPort },
        sipDomains: [component],
      });
      const ms = await gateway.waitFor((h) => h.ok, 20_000, "all links up");
      timings.push(`${kind}: all three links up ${ms} ms after the gateway process started`);
      alice = await connectClient({ server, user: "alice", password: "alicepw" });
    });

    after(async () => {
      await alice?.stop();
      const code = await gateway?.stop();
      await Promise.all([server?.stop(), drachtio?.stop(), rtpengine?.stop()]);
      // The lifecycle check: SIGTERM makes the gateway finish and exit 0.
      assert.equal(code, 0, `gateway exit code after SIGTERM:\n${gateway?.log().slice(-2000)}`);
    });

    it("is online as a component: a real client gets its disco#info", async () => {
      const res = await alice.iq(
        xml("iq", { type: "get", to: component }, xml("query", { xmlns: NS_DISCO_INFO })),
      );
      assert.equal(res.attrs.from, component);
      const query = res.getChild("query", NS_DISCO_INFO)!;
      const identity = query.getChild("identity")!;
      assert.equal(identity.attrs.category, "gateway");
      assert.equal(identity.attrs.type, "sip");
      const features = query.getChildren("feature").map((f) => f.attrs.var);
      for (const f of [NS_DISCO_INFO, "urn:xmpp:ping", "jabber:iq:version"])
        assert.ok(features.includes(f), f);
    });

    it("answers disco#info on a SIP user's JID, ping and version", async () => {
      const bob = `bob@${component}`;
      const info = await alice.iq(
        xml("iq", { type: "get", to: bob }, xml("query", { xmlns: NS_DISCO_INFO })),
      );
      assert.equal(info.attrs.from, bob);
      const identity = info.getChild("query", NS_DISCO_INFO)!.getChild("identity")!;
      assert.deepEqual([identity.attrs.category, identity.attrs.type], ["client", "phone"]);

      const pong = await alice.iq(
        xml("iq", { type: "get", to: component }, xml("ping", { xmlns: "urn:xmpp:ping" })),
      );
      assert.equal(pong.attrs.type, "result");
      assert.equal(pong.attrs.from, component);

      const version = await alice.iq(
        xml("iq", { type: "get", to: component }, xml("query", { xmlns: "jabber:iq:version" })),
      );
      const q = version.getChild("query", "jabber:iq:version")!;
      assert.equal(q.getChildText("name"), "sip-xmpp-gateway");
      assert.match(q.getChildText("version") ?? "", /^\d+\.\d+\.\d+/);
    });

    it("answers any other iq with service-unavailable, and a bad JID with jid-malformed", async () => {
      const unknown = await iqError(
        alice.iq(xml("iq", { type: "get", to: component }, xml("query", { xmlns: "urn:example:unknown" }))),
      );
      assert.equal(unknown.condition, "service-unavailable");
      assert.equal(unknown.stanza.attrs.from, component);
      const setDisco = await iqError(
        alice.iq(xml("iq", { type: "set", to: `bob@${component}` }, xml("query", { xmlns: NS_DISCO_INFO }))),
      );
      assert.equal(setDisco.condition, "service-unavailable");
      // "foo\\5cbar" is not canonical XEP-0106 (section 6: "\\5c" only escapes a backslash that
      // starts an escape sequence), so it cannot stand for a SIP user.
      const bad = await iqError(
        alice.iq(
          xml("iq", { type: "get", to: `foo\\5cbar@${component}` }, xml("query", { xmlns: NS_DISCO_INFO })),
        ),
      );
      assert.equal(bad.condition, "jid-malformed");
    });

    it("answers sipp's OPTIONS with 200 through drachtio, and PUBLISH with 405 and Allow", async () => {
      const ok = await sipp(OPTIONS_200);
      assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
      const notAllowed = await sipp(scenario("publish-405.xml"));
      assert.equal(notAllowed.exitCode, 0, notAllowed.stdout + notAllowed.stderr);
    });

    it("comes back by itself after the XMPP server restarts", async () => {
      const t0 = Date.now();
      await server.restart();
      const t1 = Date.now();
      // `since` moves only when the link changes state: up again after t0 means it went down and came back.
      await gateway.waitFor((h) => h.links.xmpp.up && h.links.xmpp.since >= t0, 30_000, "XMPP link back");
      const back = (await gateway.health())!.links.xmpp.since - t1;
      await alice.stop();
      alice = await connectClient({ server, user: "alice", password: "alicepw" });
      const res = await alice.iq(
        xml("iq", { type: "get", to: component }, xml("query", { xmlns: NS_DISCO_INFO })),
      );
      assert.equal(res.attrs.type, "result");
      const ok = await sipp(OPTIONS_200);
      assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
      timings.push(
        `${kind}: XMPP server restart took ${t1 - t0} ms; component back online ${back} ms after it`,
      );
    });

    it("comes back by itself after the drachtio server restarts", async (t) => {
      if (!drachtio.restart) {
        t.skip("a real drachtio-server given by DRACHTIO_* cannot be restarted by the test");
        return;
      }
      const t0 = Date.now();
      await drachtio.restart();
      const t1 = Date.now();
      await gateway.waitFor((h) => h.links.sip.up && h.links.sip.since >= t0, 30_000, "drachtio link back");
      const back = (await gateway.health())!.links.sip.since - t1;
      let ok = await sipp(OPTIONS_200);
      // drachtio-srf sends its routes right after authenticating: allow them a moment.
      while (ok.exitCode !== 0 && Date.now() - t1 < 5000) ok = await sipp(OPTIONS_200);
      assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
      timings.push(`${kind}: drachtio restart took ${t1 - t0} ms; gateway reconnected ${back} ms after it`);
    });
  });
}

after(() => {
  if (timings.length > 0) console.log(`\nmeasured:\n  ${timings.join("\n  ")}\n`);
});
