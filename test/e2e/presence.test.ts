/**
 * Presence end to end (RFC 8048), on Prosody and on ejabberd: a real XMPP client (alice) and sipp as
 * the SIP user, through the real gateway process and drachtio, both directions, with rejection,
 * un-subscription and a gateway restart in the middle (the store is a SQLite file kept across it).
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { getDrachtioEndpoint, type DrachtioEndpoint } from "../support/drachtio-endpoint.js";
import { startEjabberd } from "../support/ejabberd.js";
import {
  drachtioOf,
  startGateway,
  xmppOf,
  type GatewayProcess,
  type GatewayProcessOptions,
} from "../support/gateway-process.js";
import { freePort } from "../support/ports.js";
import { startProsody } from "../support/prosody.js";
import { sendRawRequest } from "../support/raw-sip.js";
import {
  explainSipp,
  runSipp,
  sipHeader,
  sippReceived,
  startSippServer,
  type SippResult,
} from "../support/sipp.js";
import { pidf, presenceWatcherUac, presentityUas, type WatcherStep } from "../support/sipp-presence.js";
import type { XmppServer, XmppServerOptions } from "../support/xmpp-server.js";
import { connectClient, xml, type Element, type TestClient } from "../support/xmpp-test-client.js";

const servers: Array<[string, (o: XmppServerOptions) => Promise<XmppServer>]> = [
  ["prosody", startProsody],
  ["ejabberd", startEjabberd],
];

/** The NOTIFYs sipp received. */
const notifies = (r: SippResult): string[] => sippReceived(r).filter((m) => m.startsWith("NOTIFY "));
const explain = explainSipp;
const header = sipHeader;

for (const [kind, startServer] of servers) {
  describe(`presence on ${kind}`, () => {
    let server: XmppServer;
    let drachtio: DrachtioEndpoint;
    let gateway: GatewayProcess;
    let gatewayOpts: GatewayProcessOptions;
    let alice: TestClient;
    let proxyPort: number;
    let component: string;
    let xmppDomain: string;
    let aliceSip: string;
    const sipp = () => `${drachtio.sipHost}:${drachtio.sipPort}`;

    const isPresence = (from: string, type?: string) => (s: Element) =>
      s.name === "presence" && s.attrs.from?.split("/")[0] === from && s.attrs.type === type;

    before(async () => {
      [server, drachtio, proxyPort] = await Promise.all([
        startServer({ users: [{ user: "alice", password: "alicepw" }] }),
        getDrachtioEndpoint(),
        freePort(),
      ]);
      component = server.componentDomain;
      xmppDomain = server.domain;
      aliceSip = `sip:alice@${xmppDomain}`;
      gatewayOpts = {
        xmpp: xmppOf(server),
        drachtio: drachtioOf(drachtio),
        rtpengine: { host: "127.0.0.1", port: proxyPort },
        sipDomains: [component],
        env: {
          GATEWAY_SIP_OUTBOUND_PROXY: `sip:127.0.0.1:${proxyPort}`,
          GATEWAY_PRESENCE_DATABASE: join(mkdtempSync(join(tmpdir(), "gw-presence-")), "presence.sqlite"),
          GATEWAY_PRESENCE_MIN_EXPIRES: "30",
        },
      };
      gateway = await startGateway(gatewayOpts);
      await gateway.waitFor((h) => h.links.xmpp.up && h.links.sip.up, 20_000, "XMPP and SIP links up");
      alice = await connectClient({ server, user: "alice", password: "alicepw", resource: "laptop" });
      await alice.iq(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
    });

    after(async () => {
      await alice?.stop();
      await gateway?.stop();
      await Promise.all([server?.stop(), drachtio?.stop()]);
    });

    async function restartGateway(): Promise<void> {
      assert.equal(await gateway.stop(), 0);
      gateway = await startGateway(gatewayOpts);
      await gateway.waitFor((h) => h.links.xmpp.up && h.links.sip.up, 20_000, "links up after restart");
    }

    /** Runs a sipp watcher in the background; `steps` NOTIFYs are answered 200. */
    function watcher(user: string, steps: WatcherStep[], expect = 202, expires = 600) {
      return runSipp({
        scenario: presenceWatcherUac({
          from: `sip:${user}@${component}`,
          to: aliceSip,
          expect,
          expires,
          steps,
        }),
        remote: sipp(),
        calls: 1,
        timeoutMs: 45_000,
      });
    }

    it("SIP watches XMPP: 202 + NOTIFY pending, her approval -> active with her PIDF, changes, un-SUBSCRIBE", async () => {
      const run = watcher("bob", [
        { notify: "pending" },
        { notify: "active" },
        { notify: "active" },
        { notify: "active", timeoutMs: 20_000 },
        { resubscribe: 0, expect: 200 },
        { notify: "terminated" },
      ]);
      const ask = await alice.waitFor(isPresence(`bob@${component}`, "subscribe"), 10_000);
      assert.equal(ask.attrs.to?.split("/")[0], `alice@${xmppDomain}`);
      await alice.send(xml("presence", { to: `bob@${component}`, type: "subscribed" }));
      await new Promise((r) => setTimeout(r, 800));
      await alice.send(xml("presence", {}, xml("show", {}, "dnd"), xml("status", {}, "in a meeting")));
      const res = await run;
      assert.equal(res.exitCode, 0, explain(res));
      const got = notifies(res);
      const last = got.at(-2) ?? "";
      assert.equal(header(last, "Content-Type"), "application/pidf+xml");
      assert.match(last, /<basic>open<\/basic>/);
      assert.match(last, /<rpid:busy\/>|busy/);
      assert.match(last, /in a meeting/);
      assert.match(header(got.at(-1) ?? "", "Subscription-State") ?? "", /^terminated/);
      await alice.send(xml("presence"));
    });

    it("SIP watches XMPP: a second SUBSCRIBE from an authorized watcher is active at once (long-lived authorization)", async () => {
      const res = await watcher(
        "bob",
        [{ notify: "active" }, { resubscribe: 0, expect: 200 }, { notify: "terminated" }],
        200,
      );
      assert.equal(res.exitCode, 0, explain(res));
      assert.match(notifies(res)[0] ?? "", /<basic>open<\/basic>/);
    });

    it("SIP watches XMPP: her refusal -> NOTIFY terminated;reason=rejected", async () => {
      const run = watcher("carol", [{ notify: "pending" }, { notify: "terminated;reason=rejected" }]);
      await alice.waitFor(isPresence(`carol@${component}`, "subscribe"), 10_000);
      await alice.send(xml("presence", { to: `carol@${component}`, type: "unsubscribed" }));
      const res = await run;
      assert.equal(res.exitCode, 0, explain(res));
    });

    it("SIP watches XMPP: refresh, too-brief Expires (423), unknown dialog (481), unknown event (489)", async () => {
      const res = await watcher(
        "bob",
        [
          { notify: "active" },
          { resubscribe: 120, expect: 200 },
          { notify: "active;expires=1[0-2][0-9]" },
          { resubscribe: 5, expect: 423 },
          { resubscribe: 0, expect: 200 },
          { notify: "terminated" },
        ],
        200,
      );
      assert.equal(res.exitCode, 0, explain(res));
      const bad = await runSipp({
        scenario: presenceWatcherUac({
          from: `sip:bob@${component}`,
          to: aliceSip,
          expect: 489,
          event: "dialog",
        }),
        remote: sipp(),
        calls: 1,
      });
      assert.equal(bad.exitCode, 0, explain(bad));
      const stray = await sendRawRequest(drachtio.sipHost, drachtio.sipPort, (port) =>
        [
          `SUBSCRIBE ${aliceSip} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKstray1;rport`,
          `From: <sip:bob@${component}>;tag=abc`,
          `To: <${aliceSip}>;tag=nosuchdialog`,
          "Call-ID: stray-subscribe-1",
          "CSeq: 2 SUBSCRIBE",
          "Contact: <sip:bob@127.0.0.1:9>",
          "Event: presence",
          "Expires: 600",
          "Max-Forwards: 70",
          "Content-Length: 0",
          "",
          "",
        ].join("\r\n"),
      );
      assert.equal(stray.status, 481);
    });

    it("XMPP watches SIP: subscribe -> SUBSCRIBE; NOTIFY active + PIDF -> subscribed and presence; unsubscribe -> Expires 0", async () => {
      const dave = `dave@${component}`;
      const uas = await startSippServer({
        scenario: presentityUas({
          uri: `sip:dave@${component}`,
          watcher: aliceSip,
          status: 200,
          pauseMs: 200,
          notifies: [pidf(`sip:dave@${component}`, { open: true, activity: "away", note: "back soon" })],
          awaitUnsubscribe: true,
        }),
        port: proxyPort,
        calls: 1,
        timeoutMs: 40_000,
      });
      try {
        await alice.send(xml("presence", { to: dave, type: "subscribe" }));
        await alice.waitFor(isPresence(dave, "subscribed"), 10_000);
        const p = await alice.waitFor(isPresence(dave, undefined), 10_000);
        assert.equal(p.getChildText("show"), "away");
        assert.equal(p.getChildText("status"), "back soon");
        await alice.send(xml("presence", { to: dave, type: "unsubscribe" }));
        const res = await uas.done;
        assert.equal(res.exitCode, 0, explain(res));
      } finally {
        await uas.stop().catch(() => undefined);
      }
    });

    it("XMPP watches SIP: 403 to the SUBSCRIBE -> unsubscribed", async () => {
      const erin = `erin@${component}`;
      const uas = await startSippServer({
        scenario: presentityUas({ uri: `sip:erin@${component}`, watcher: aliceSip, status: 403 }),
        port: proxyPort,
        calls: 1,
        timeoutMs: 20_000,
      });
      try {
        await alice.send(xml("presence", { to: erin, type: "subscribe" }));
        await alice.waitFor(isPresence(erin, "unsubscribed"), 10_000);
        assert.equal((await uas.done).exitCode, 0);
      } finally {
        await uas.stop().catch(() => undefined);
      }
    });

    it("a gateway restart loses nothing: the SIP watcher keeps getting NOTIFYs, the XMPP watcher keeps presence", async () => {
      const frank = `frank@${component}`;
      // XMPP -> SIP: one SUBSCRIBE before the restart and one after (the new process subscribes afresh).
      const uas = await startSippServer({
        scenario: presentityUas({
          uri: `sip:frank@${component}`,
          watcher: aliceSip,
          status: 200,
          pauseMs: 200,
          notifies: [
            pidf(`sip:frank@${component}`, { open: true, note: "call [call_number]" }).replace(
              "[call_number]",
              "x",
            ),
          ],
        }),
        port: proxyPort,
        calls: 2,
        timeoutMs: 60_000,
      });
      // SIP -> XMPP: bob (already authorized above) watches alice across the restart.
      const run = watcher("bob", [{ notify: "active" }, { notify: "active", timeoutMs: 30_000 }], 200);
      try {
        await alice.send(xml("presence", { to: frank, type: "subscribe" }));
        await alice.waitFor(isPresence(frank, "subscribed"), 10_000);
        await alice.waitFor(isPresence(frank, undefined), 10_000);
        await new Promise((r) => setTimeout(r, 500));

        await restartGateway();

        // After the restart: alice changes her status; bob's NOTIFY comes in the same dialog.
        await alice.send(xml("presence", {}, xml("show", {}, "away"), xml("status", {}, "after restart")));
        const res = await run;
        assert.equal(res.exitCode, 0, explain(res));
        const got = notifies(res);
        assert.match(got.at(-1) ?? "", /after restart/);
        assert.equal(header(got[0] ?? "", "Call-ID"), header(got.at(-1) ?? "", "Call-ID"));
        // And frank's side was subscribed again by the new process, without alice doing anything.
        const res2 = await uas.done;
        assert.equal(res2.exitCode, 0, explain(res2));
      } finally {
        await uas.stop().catch(() => undefined);
      }
    });

    it("a NOTIFY for no subscription gets 481", async () => {
      const r = await sendRawRequest(drachtio.sipHost, drachtio.sipPort, (port) =>
        [
          `NOTIFY ${aliceSip} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKnosuch1;rport`,
          `From: <sip:dave@${component}>;tag=x1`,
          `To: <${aliceSip}>;tag=y1`,
          "Call-ID: nosuch-notify-1",
          "CSeq: 5 NOTIFY",
          "Event: presence",
          "Subscription-State: active;expires=60",
          "Max-Forwards: 70",
          "Content-Length: 0",
          "",
          "",
        ].join("\r\n"),
      );
      assert.equal(r.status, 481);
    });
  });
}
