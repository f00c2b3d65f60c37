/**
 * Audio calls end to end, on Prosody and on ejabberd: a real XMPP client playing a Jingle phone with
 * real RTP (test/support/jingle-phone.ts), sipp as the SIP phone (INVITE dialogs, G.711 and RFC 4733
 * pcaps from Debian's sip-tester), the real gateway process, drachtio and a real rtpengine in between.
 * Media is proven from rtpengine's own per-leg counters and from what each side received.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { getDrachtioEndpoint, type DrachtioEndpoint } from "../support/drachtio-endpoint.js";
import { startEjabberd } from "../support/ejabberd.js";
import { drachtioOf, startGateway, xmppOf, type GatewayProcess } from "../support/gateway-process.js";
import { JinglePhone } from "../support/jingle-phone.js";
import { freePort } from "../support/ports.js";
import { startProsody } from "../support/prosody.js";
import { RtpPeer } from "../support/rtp-peer.js";
import { listCalls, queryCall, startRtpengine, type Rtpengine } from "../support/rtpengine.js";
import { explainSipp, runSipp, sippReceived, startSippServer } from "../support/sipp.js";
import { callUac, callUas, dtmfPcap, G711A_PCAP } from "../support/sipp-call.js";
import type { XmppServer, XmppServerOptions } from "../support/xmpp-server.js";
import { connectClient, xml, type TestClient } from "../support/xmpp-test-client.js";

const servers: Array<[string, (o: XmppServerOptions) => Promise<XmppServer>]> = [
  ["prosody", startProsody],
  ["ejabberd", startEjabberd],
];

for (const [kind, startServer] of servers) {
  describe(`calls on ${kind}`, () => {
    let server: XmppServer;
    let drachtio: DrachtioEndpoint;
    let rtpengine: Rtpengine;
    let gateway: GatewayProcess;
    let alice: TestClient;
    let phone: JinglePhone;
    let carol: TestClient;
    let icePhone: JinglePhone;
    let uasPort: number;
    let component: string;
    let xmppDomain: string;
    const sipTarget = () => `${drachtio.sipHost}:${drachtio.sipPort}`;

    before(async () => {
      [server, drachtio, rtpengine, uasPort] = await Promise.all([
        startServer({
          users: [
            { user: "alice", password: "alicepw" },
            { user: "carol", password: "carolpw" },
          ],
        }),
        getDrachtioEndpoint(),
        startRtpengine({ portCount: 200 }),
        freePort(),
      ]);
      component = server.componentDomain;
      xmppDomain = server.domain;
      gateway = await startGateway({
        xmpp: xmppOf(server),
        drachtio: drachtioOf(drachtio),
        rtpengine: { host: rtpengine.host, port: rtpengine.ngPort },
        sipDomains: [component],
        env: {
          GATEWAY_SIP_OUTBOUND_PROXY: `sip:127.0.0.1:${uasPort}`,
          GATEWAY_PRESENCE_DATABASE: ":memory:",
          GATEWAY_CALLS_RING_TIMEOUT: "8000",
          GATEWAY_RTPENGINE_PING_INTERVAL: "1000",
        },
      });
      await gateway.waitFor((h) => h.links.xmpp.up && h.links.sip.up && h.links.media.up, 20_000, "links up");
      alice = await connectClient({ server, user: "alice", password: "alicepw", resource: "phone" });
      phone = await JinglePhone.attach(alice, { transport: "raw-udp" });
      carol = await connectClient({ server, user: "carol", password: "carolpw", resource: "webrtc" });
      icePhone = await JinglePhone.attach(carol, { transport: "ice-udp" });
    });

    after(async () => {
      await Promise.all([phone?.close(), icePhone?.close()]);
      await Promise.all([alice?.stop(), carol?.stop()]);
      await gateway?.stop();
      await Promise.all([server?.stop(), drachtio?.stop(), rtpengine?.stop()]);
    });

    // Counters are per test: what an earlier call received must not satisfy a later test.
    beforeEach(() => {
      phone?.rtp.resetCounters();
      icePhone?.rtp.resetCounters();
    });

    /** The one call rtpengine has now, with its per-leg counters. */
    async function theCall() {
      const ids = await listCalls(rtpengine);
      assert.equal(ids.length, 1, `rtpengine calls: ${ids.join(", ")}`);
      return queryCall(rtpengine, ids[0]!);
    }

    async function noCallsLeft(): Promise<void> {
      const deadline = Date.now() + 5000;
      let ids = await listCalls(rtpengine);
      while (ids.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        ids = await listCalls(rtpengine);
      }
      assert.deepEqual(ids, [], "rtpengine still holds calls");
    }

    it("a SIP user's JID advertises Jingle audio in disco#info and answers its caps node", async () => {
      const query = (node?: string) =>
        alice.iq(
          xml(
            "iq",
            { type: "get", to: `bob@${component}` },
            xml("query", { xmlns: "http://jabber.org/protocol/disco#info", node }),
          ),
        );
      const info = await query();
      const features = info
        .getChild("query")!
        .getChildren("feature")
        .map((f) => String(f.attrs.var));
      for (const f of [
        "urn:xmpp:jingle:1",
        "urn:xmpp:jingle:apps:rtp:1",
        "urn:xmpp:jingle:apps:rtp:audio",
        "urn:xmpp:jingle:transports:ice-udp:1",
        "urn:xmpp:jingle:apps:dtls:0",
        "urn:xmpp:jingle-message:0",
      ]) {
        assert.ok(features.includes(f), `${f} missing from ${features.join(" ")}`);
      }
      const { createHash } = await import("node:crypto");
      const identity = info.getChild("query")!.getChild("identity")!;
      const s =
        `${String(identity.attrs.category)}/${String(identity.attrs.type)}//${String(identity.attrs.name ?? "")}<` +
        [...features]
          .sort()
          .map((f) => `${f}<`)
          .join("");
      const ver = createHash("sha1").update(s).digest("base64");
      const node = `https://github.com/sip-xmpp-gateway/sip-xmpp-gateway#${ver}`;
      const byNode = await query(node);
      assert.equal(byNode.getChild("query")!.attrs.node, node);
    });

    it("XMPP -> SIP DTMF: XEP-0181 <dtmf/> reaches the SIP phone as RFC 4733 events", async () => {
      const sipRtp = await RtpPeer.start();
      try {
        const uas = await startSippServer({
          port: uasPort,
          scenario: callUas({ sdp: { port: sipRtp.port, payloadTypes: [0, 101] }, end: "await-bye" }),
          calls: 1,
          timeoutMs: 30_000,
        });
        const { sid, peer } = await phone.call(`bob@${component}`, { jmi: false });
        phone.useRemote(await phone.waitJingle(sid, "session-accept"));
        await phone.rtp.send(0, 25);
        await sipRtp.waitFor(
          () => sipRtp.receivedCount(0) > 10,
          5000,
          () => sipRtp.describe(),
        );
        await phone.info(
          sid,
          peer,
          xml("dtmf", { xmlns: "urn:xmpp:jingle:dtmf:0", code: "7", duration: "400" }),
        );
        await phone.rtp.send(0, 25);
        await sipRtp.waitFor(
          () => sipRtp.dtmfEvents().some((e) => e.event === 7),
          5000,
          () => sipRtp.describe(),
        );
        await phone.terminate(sid, peer);
        const res = await uas.done;
        assert.equal(res.exitCode, 0, explainSipp(res));
        await noCallsLeft();
      } finally {
        await sipRtp.close();
      }
    });

    it("XMPP -> SIP with JMI: ringing, answer, RTP both ways through rtpengine, XMPP hangs up", async () => {
      const uas = await startSippServer({
        port: uasPort,
        scenario: callUas({ steps: [{ play: G711A_PCAP }], end: "await-bye" }),
        calls: 1,
        timeoutMs: 30_000,
      });
      const { sid, peer } = await phone.call(`bob@${component}`);
      assert.equal(peer, `bob@${component}/phone`);
      await phone.waitJingle(sid, "session-info");
      const accept = await phone.waitJingle(sid, "session-accept");
      phone.useRemote(accept);
      await phone.rtp.send(0, 50);
      await phone.rtp.waitFor(
        () => phone.rtp.receivedCount(8) > 20,
        5000,
        () => phone.rtp.describe(),
      );
      const call = await theCall();
      const xmppLeg = call.legs.get("xmpp");
      const sipLeg = call.legs.get("sip");
      assert.ok(xmppLeg && xmppLeg.packetsIn >= 50, `xmpp leg: ${JSON.stringify(xmppLeg)}`);
      assert.ok(sipLeg && sipLeg.packetsIn > 20, `sip leg: ${JSON.stringify(sipLeg)}`);
      await phone.terminate(sid, peer);
      const res = await uas.done;
      assert.equal(res.exitCode, 0, explainSipp(res));
      const invite = sippReceived(res).find((m) => m.startsWith("INVITE ")) ?? "";
      assert.match(invite, /^From: .*sip:alice@/m);
      assert.match(invite, /m=audio \d+ RTP\/AVP /);
      assert.doesNotMatch(invite, /a=(ice-|fingerprint|extmap|ssrc)/);
      assert.match(sippReceived(res).find((m) => m.startsWith("BYE ")) ?? "", /^BYE /);
      await noCallsLeft();
    });

    it("SIP -> XMPP: propose, ringing -> 180, accept -> 200, RTP and DTMF both ways, SIP hangs up", async () => {
      const uac = runSipp({
        scenario: callUac({
          from: `sip:bob@${component}`,
          to: `sip:alice@${xmppDomain}`,
          steps: [{ play: G711A_PCAP }, { pause: 1500 }, { play: dtmfPcap("5") }, { pause: 1500 }],
          end: "bye",
        }),
        remote: sipTarget(),
        calls: 1,
        timeoutMs: 30_000,
      });
      const ringing = await phone.ring();
      assert.equal(ringing.peer, `bob@${component}/phone`);
      const initiate = await ringing.initiate();
      await phone.accept(ringing.sid, ringing.peer, initiate);
      await phone.rtp.waitFor(
        () => phone.rtp.receivedCount(8) > 20,
        8000,
        () => phone.rtp.describe(),
      );
      await phone.rtp.send(0, 50);
      await phone.rtp.waitFor(
        () => phone.rtp.dtmfEvents().some((e) => e.event === 5),
        8000,
        () => phone.rtp.describe(),
      );
      const call = await theCall();
      assert.ok((call.legs.get("xmpp")?.packetsIn ?? 0) >= 50, JSON.stringify([...call.legs.values()]));
      assert.ok((call.legs.get("sip")?.packetsIn ?? 0) > 20, JSON.stringify([...call.legs.values()]));
      assert.equal(await phone.terminatedWith(ringing.sid, 15_000), "success");
      const res = await uac;
      assert.equal(res.exitCode, 0, explainSipp(res));
      assert.ok(
        sippReceived(res).some((m) => m.startsWith("SIP/2.0 180 ")),
        "no 180",
      );
      await noCallsLeft();
    });

    it("XMPP -> SIP endings: 486 -> <busy/>, 603 -> <decline/>, hang-up while ringing -> CANCEL", async () => {
      for (const [status, condition] of [
        [486, "busy"],
        [603, "decline"],
      ] as const) {
        const uas = await startSippServer({ port: uasPort, scenario: callUas({ answer: status }), calls: 1 });
        const { sid } = await phone.call(`bob@${component}`);
        assert.equal(await phone.terminatedWith(sid), condition);
        const res = await uas.done;
        assert.equal(res.exitCode, 0, explainSipp(res));
      }
      const uas = await startSippServer({ port: uasPort, scenario: callUas({ answer: "none" }), calls: 1 });
      const { sid, peer } = await phone.call(`bob@${component}`);
      await phone.waitJingle(sid, "session-info");
      await phone.terminate(sid, peer, "cancel");
      const res = await uas.done;
      assert.equal(res.exitCode, 0, explainSipp(res) + gateway.log().slice(-3000));
      const cancel = sippReceived(res).find((m) => m.startsWith("CANCEL ")) ?? "";
      assert.match(cancel, /^Reason: SIP;cause=487/m);
      await noCallsLeft();
    });

    it("XMPP -> SIP early media: 183 with SDP -> early session-accept, the announcement is heard, then 486 -> <busy/>", async () => {
      const uas = await startSippServer({
        port: uasPort,
        scenario: callUas({
          provisional: [183],
          earlySteps: [{ play: G711A_PCAP }, { pause: 2000 }],
          answer: 486,
        }),
        calls: 1,
        timeoutMs: 30_000,
      });
      const { sid } = await phone.call(`bob@${component}`, { jmi: false });
      phone.useRemote(await phone.waitJingle(sid, "session-accept"));
      await phone.rtp.waitFor(
        () => phone.rtp.receivedCount(8) > 20,
        5000,
        () => phone.rtp.describe(),
      );
      assert.equal(await phone.terminatedWith(sid), "busy");
      const res = await uas.done;
      assert.equal(res.exitCode, 0, explainSipp(res));
      await noCallsLeft();
    });

    it("XMPP -> SIP hold and unhold: re-INVITEs with sendonly then sendrecv; SIP hangs up", async () => {
      const uas = await startSippServer({
        port: uasPort,
        scenario: callUas({
          steps: [{ acceptReinvite: "recvonly" }, { acceptReinvite: "sendrecv" }, { pause: 200 }],
          end: "bye",
        }),
        calls: 1,
        timeoutMs: 30_000,
      });
      const { sid, peer } = await phone.call(`bob@${component}`, { jmi: false });
      await phone.waitJingle(sid, "session-accept");
      await phone.hold(sid, peer, true);
      await new Promise((r) => setTimeout(r, 300));
      await phone.hold(sid, peer, false);
      assert.equal(await phone.terminatedWith(sid, 15_000), "success");
      const res = await uas.done;
      assert.equal(res.exitCode, 0, explainSipp(res));
      const reinvites = sippReceived(res)
        .filter((m) => m.startsWith("INVITE "))
        .slice(1);
      assert.equal(reinvites.length, 2);
      assert.match(reinvites[0]!, /^a=sendonly/m);
      assert.match(reinvites[1]!, /^a=sendrecv/m);
      await noCallsLeft();
    });

    it("SIP -> XMPP endings: JMI reject <busy/> -> 486, caller CANCEL while ringing -> <retract/>", async () => {
      const busy = runSipp({
        scenario: callUac({ from: `sip:bob@${component}`, to: `sip:alice@${xmppDomain}`, expect: 486 }),
        remote: sipTarget(),
        calls: 1,
      });
      const r1 = await phone.ring();
      await phone.sendJmi(r1.peer, "reject", r1.sid, "busy");
      const res1 = await busy;
      assert.equal(res1.exitCode, 0, explainSipp(res1));

      const cancelled = runSipp({
        scenario: callUac({
          from: `sip:bob@${component}`,
          to: `sip:alice@${xmppDomain}`,
          cancel: { after: 180 },
        }),
        remote: sipTarget(),
        calls: 1,
      });
      const r2 = await phone.ring();
      const retract = await phone.waitJmi("retract", r2.sid);
      assert.equal(retract.attrs.from, `bob@${component}/phone`);
      const res2 = await cancelled;
      assert.equal(res2.exitCode, 0, explainSipp(res2));
      await noCallsLeft();
    });

    it("SIP -> XMPP to an ICE-UDP client: ICE checks with rtpengine, RTP both ways, XMPP hangs up", async () => {
      const uac = runSipp({
        scenario: callUac({
          from: `sip:bob@${component}`,
          to: `sip:carol@${xmppDomain}`,
          steps: [{ play: G711A_PCAP }],
          end: "await-bye",
        }),
        remote: sipTarget(),
        calls: 1,
        timeoutMs: 30_000,
      });
      const ringing = await icePhone.ring();
      const initiate = await ringing.initiate();
      const transport = initiate.getChild("jingle")?.getChild("content")?.getChild("transport");
      assert.equal(transport?.attrs.xmlns, "urn:xmpp:jingle:transports:ice-udp:1");
      assert.equal(transport?.getChild("fingerprint"), undefined, "DTLS offered to a client without it");
      await icePhone.accept(ringing.sid, ringing.peer, initiate);
      const rtp = icePhone.rtp;
      await rtp.waitFor(
        () => rtp.iceState.successes > 0 && rtp.receivedCount(8) > 20,
        8000,
        () => rtp.describe(),
      );
      await rtp.send(0, 50);
      const call = await theCall();
      assert.ok((call.legs.get("xmpp")?.packetsIn ?? 0) >= 50, JSON.stringify([...call.legs.values()]));
      await icePhone.terminate(ringing.sid, ringing.peer);
      const res = await uac;
      assert.equal(res.exitCode, 0, explainSipp(res));
      await noCallsLeft();
    });

    it("rtpengine down: Jingle <failed-application/> within 2 s; SIP 503 at once, nobody rung", async () => {
      await rtpengine.stop();
      // Not yet known to be down (no ping since): the offer times out after media.rtpengine.timeout.
      const { sid } = await phone.call(`bob@${component}`, { jmi: false });
      assert.equal(await phone.terminatedWith(sid, 2000), "failed-application");
      await gateway.waitFor((h) => !h.links.media.up, 10_000, "media down");
      const proposes = () =>
        alice.stanzas.filter((st) => st.getChild("propose", "urn:xmpp:jingle-message:0")).length;
      const proposedBefore = proposes();
      const res = await runSipp({
        scenario: callUac({ from: `sip:bob@${component}`, to: `sip:alice@${xmppDomain}`, expect: 503 }),
        remote: sipTarget(),
        calls: 1,
      });
      assert.equal(res.exitCode, 0, explainSipp(res));
      assert.equal(proposes(), proposedBefore, "alice was rung for a call without media");
    });
  });
}
