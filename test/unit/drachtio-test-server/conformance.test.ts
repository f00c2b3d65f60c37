/**
 * Replays the eight scenarios of the reference transcript (drachtio-srf 5.0.29 <-> drachtio-server v0.9.10) with
 * the real drachtio-srf against the test server and sipp as the SIP peer, and compares the recorded admin
 * traffic with the reference by shape (see shape.ts): same messages in the same per-direction order, same
 * number and kind of `|` fields, ids referring to the same earlier messages, causally ordered, same SIP start
 * lines, header names and header value shapes. sipp's exit status checks the SIP side of each scenario.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startDrachtioTestServer, type DrachtioTestServer } from "../../support/drachtio/index.js";
import {
  connectSrf,
  requestStatus,
  freePort,
  referenceScenarios,
  sleep,
  startSipp,
  waitFor,
  type SippRun,
  type TestSrf,
  type WireMsg,
} from "./harness.js";
import { compareShapes } from "./shape.js";

const SDP = [
  "v=0",
  "o=- 1 1 IN IP4 127.0.0.1",
  "s=-",
  "c=IN IP4 127.0.0.1",
  "t=0 0",
  "m=audio 40000 RTP/AVP 0",
  "a=rtpmap:0 PCMU/8000",
  "",
].join("\r\n");
const PIDF =
  '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@127.0.0.1">' +
  '<tuple id="t1"><status><basic>open</basic></status></tuple></presence>';

describe(
  "drachtio test server replays the drachtio-server 0.9.10 reference transcript",
  { timeout: 60_000 },
  () => {
    const reference = referenceScenarios();
    let server: DrachtioTestServer;
    let srf: TestSrf;
    const srfs: TestSrf[] = [];
    const running: SippRun[] = [];

    before(async () => {
      server = await startDrachtioTestServer({ secret: "cymru" });
    });
    after(async () => {
      for (const s of srfs) s.disconnect();
      for (const r of running) r.kill();
      await server.stop();
    });

    /** Runs one scenario and compares the admin traffic it produced with the reference scenario. */
    async function scenario(name: string, run: () => Promise<void>): Promise<WireMsg[]> {
      const ref = reference.get(name);
      assert.ok(ref, `reference has scenario ${name}`);
      const from = server.transcript.length;
      await run();
      const slice = (): WireMsg[] => server.transcript.slice(from);
      await waitFor(`${name}: ${ref.length} admin messages`, () => slice().length >= ref.length).catch(
        (e: Error) => {
          throw new Error(
            `${e.message}; got:\n${slice()
              .map((m) => `${m.dir} ${m.msg.split("\r\n")[0]}`)
              .join("\n")}`,
          );
        },
      );
      await sleep(150); // anything extra (a duplicate, a stray response) would show up now
      const problems = compareShapes(ref, slice());
      assert.deepEqual(problems, [], `${name} differs from the reference:\n${problems.join("\n")}`);
      return slice();
    }

    /** Starts sipp; `ok()` waits for it to end and checks it succeeded. */
    async function sipp(file: string, remote?: string): Promise<{ port: number; ok: () => Promise<void> }> {
      const run = await startSipp(file, remote);
      running.push(run);
      const ok = async (): Promise<void> => {
        const { code, output } = await run.done;
        assert.equal(code, 0, `sipp ${file} failed:\n${output.slice(-3000)}`);
      };
      return { port: run.port, ok };
    }

    it("1 connect-authenticate-route", async () => {
      const msgs = await scenario("connect-authenticate-route", async () => {
        srf = await connectSrf(server, (s) => {
          s.message((_req, res) => res.send(202));
          s.options((_req, res) => res.send(200));
          s.invite(async (req, res) => {
            await s.createUAS(req, res, { localSdp: SDP });
          });
          s.subscribe(async (req, res) => {
            const dlg = await s.createUAS(req, res, { headers: { expires: req.get("Expires") } });
            void dlg.request({
              method: "NOTIFY",
              headers: {
                Event: "presence",
                "Subscription-State": "active;expires=60",
                "Content-Type": "application/pidf+xml",
              },
              body: PIDF,
            });
          });
        });
        srfs.push(srf);
      });
      const auth = msgs[1]?.msg.split("|") ?? [];
      assert.equal(auth[4], `tcp/127.0.0.1:${server.sipPort},udp/127.0.0.1:${server.sipPort}`);
    });

    it("2 inbound-message-202", async () => {
      await scenario("inbound-message-202", async () => {
        await (await sipp("uac-message.xml", `127.0.0.1:${server.sipPort}`)).ok();
      });
    });

    it("3 inbound-invite-200-ack-remote-bye", async () => {
      await scenario("inbound-invite-200-ack-remote-bye", async () => {
        await (await sipp("uac-invite.xml", `127.0.0.1:${server.sipPort}`)).ok();
      });
    });

    it("4 inbound-subscribe-202-notify-refresh-expires0", async () => {
      await scenario("inbound-subscribe-202-notify-refresh-expires0", async () => {
        await (await sipp("uac-subscribe.xml", `127.0.0.1:${server.sipPort}`)).ok();
      });
    });

    it("5 outbound-message-200", async () => {
      await scenario("outbound-message-200", async () => {
        const peer = await sipp("uas-message.xml");
        const status = await requestStatus(srf, `sip:x@127.0.0.1:${peer.port}`, {
          method: "MESSAGE",
          headers: { From: "<sip:alice@gw.test>", To: "<sip:x@127.0.0.1>", "Content-Type": "text/plain" },
          body: "hello from app",
        });
        assert.equal(status, 200);
        await peer.ok();
      });
    });

    it("6 outbound-invite-180-200-ack-local-bye", async () => {
      await scenario("outbound-invite-180-200-ack-local-bye", async () => {
        const peer = await sipp("uas-invite.xml");
        const dlg = await srf.createUAC(`sip:x@127.0.0.1:${peer.port}`, {
          localSdp: SDP,
          headers: { From: "<sip:alice@gw.test>" },
        });
        await sleep(300);
        await dlg.destroy();
        await peer.ok();
      });
    });

    it("7 outbound-subscribe-200-notify-unsubscribe", async () => {
      await scenario("outbound-subscribe-200-notify-unsubscribe", async () => {
        const peer = await sipp("uas-subscribe.xml");
        const dlg = await srf.createUAC(`sip:x@127.0.0.1:${peer.port}`, {
          method: "SUBSCRIBE",
          headers: {
            From: "<sip:alice@gw.test>",
            Event: "presence",
            Expires: "60",
            Accept: "application/pidf+xml",
          },
        });
        await peer.ok(); // sipp has gone: the terminating NOTIFY meets a closed port (ICMP) and fails with 503
        await dlg.destroy().catch(() => undefined);
      });
    });

    it("8 outbound-message-tcp-no-listener-503", async () => {
      const dead = await freePort("tcp");
      await scenario("outbound-message-tcp-no-listener-503", async () => {
        const srf2 = await connectSrf(server);
        srfs.push(srf2);
        const status = await requestStatus(srf2, `sip:nobody@127.0.0.1:${dead};transport=tcp`, {
          method: "MESSAGE",
          headers: { From: "<sip:alice@gw.test>", "Content-Type": "text/plain" },
          body: "x",
        });
        assert.equal(status, 503);
      });
    });
  },
);
