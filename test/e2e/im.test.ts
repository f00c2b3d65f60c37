/**
 * Pager-mode IM end to end (RFC 7572), on Prosody and on ejabberd: a real XMPP client (alice) and
 * sipp as the SIP user (bob), through the real gateway process and drachtio. The gateway's outbound
 * proxy is the port where each test's sipp UAS listens, so what the gateway sends to SIP is what
 * sipp receives and records.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { getDrachtioEndpoint, type DrachtioEndpoint } from "../support/drachtio-endpoint.js";
import { startEjabberd } from "../support/ejabberd.js";
import { drachtioOf, startGateway, xmppOf, type GatewayProcess } from "../support/gateway-process.js";
import { freePort } from "../support/ports.js";
import { startProsody } from "../support/prosody.js";
import {
  runSipp,
  sipBody,
  sipHeader,
  sippReceived,
  startSippServer,
  type SippResult,
} from "../support/sipp.js";
import { messageUac, messageUas, type UacMessage } from "../support/sipp-message.js";
import { sendRawMessage, sendRawMessageFull } from "../support/raw-sip.js";
import type { XmppServer, XmppServerOptions } from "../support/xmpp-server.js";
import { connectClient, xml, type Element, type TestClient } from "../support/xmpp-test-client.js";

const NS_RECEIPTS = "urn:xmpp:receipts";
const NS_CHATSTATES = "http://jabber.org/protocol/chatstates";
const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const servers: Array<[string, (o: XmppServerOptions) => Promise<XmppServer>]> = [
  ["prosody", startProsody],
  ["ejabberd", startEjabberd],
];

const received = sippReceived;
const header = sipHeader;
const bodyOf = sipBody;

function errorCondition(stanza: Element): string | undefined {
  return stanza
    .getChild("error")
    ?.getChildElements()
    .find((c) => c.attrs.xmlns === NS_STANZAS && c.name !== "text")?.name;
}

for (const [kind, startServer] of servers) {
  describe(`pager-mode IM on ${kind}`, () => {
    let server: XmppServer;
    let drachtio: DrachtioEndpoint;
    let gateway: GatewayProcess;
    let alice: TestClient;
    let proxyPort: number;
    let component: string;
    let xmppDomain: string;
    let bob: string;
    let n = 0;

    /** Starts a sipp UAS on the gateway's outbound proxy port, runs `act`, returns what sipp got. */
    async function sipReceives(
      status: number | "none",
      act: () => Promise<unknown>,
      opts: { calls?: number; transport?: "u1" | "t1"; timeoutMs?: number } = {},
    ): Promise<{ result: SippResult; messages: string[] }> {
      const uas = await startSippServer({
        scenario: messageUas({ status } as { status: number }),
        port: proxyPort,
        calls: opts.calls ?? 1,
        transport: opts.transport ?? "u1",
        timeoutMs: opts.timeoutMs ?? 15_000,
      });
      try {
        await act();
        const result = await uas.done;
        return { result, messages: received(result).filter((m) => m.startsWith("MESSAGE ")) };
      } finally {
        await uas.stop().catch(() => undefined);
      }
    }

    async function sipSends(
      m: Omit<UacMessage, "from" | "to"> & { from?: string; to?: string },
      extraArgs: string[] = [],
    ) {
      const res = await runSipp({
        scenario: messageUac({ from: bob, to: `sip:alice@${xmppDomain}`, ...m }),
        remote: `${drachtio.sipHost}:${drachtio.sipPort}`,
        calls: 1,
        timeoutMs: 10_000,
        extraArgs,
      });
      assert.equal(res.exitCode, 0, `sipp expected ${m.expect}:\n${res.messages ?? res.stdout}`);
      return res;
    }

    const sendChat = (body: string, extra: Element[] = [], attrs: Record<string, string> = {}) => {
      const id = `m${++n}`;
      return {
        id,
        sent: alice.send(
          xml(
            "message",
            { to: `bob@${component}`, type: "chat", id, ...attrs },
            xml("body", {}, body),
            ...extra,
          ),
        ),
      };
    };

    before(async () => {
      [server, drachtio, proxyPort] = await Promise.all([
        startServer({ users: [{ user: "alice", password: "alicepw" }] }),
        getDrachtioEndpoint(),
        freePort(),
      ]);
      component = server.componentDomain;
      xmppDomain = server.domain;
      bob = `sip:bob@${component}`;
      gateway = await startGateway({
        xmpp: xmppOf(server),
        drachtio: drachtioOf(drachtio),
        rtpengine: { host: "127.0.0.1", port: proxyPort },
        sipDomains: [component],
        env: {
          GATEWAY_SIP_OUTBOUND_PROXY: `sip:127.0.0.1:${proxyPort}`,
          GATEWAY_IM_MAX_MESSAGE_SIZE: "20000",
        },
      });
      await gateway.waitFor((h) => h.links.xmpp.up && h.links.sip.up, 20_000, "XMPP and SIP links up");
      alice = await connectClient({ server, user: "alice", password: "alicepw", resource: "laptop" });
    });

    after(async () => {
      await alice?.stop();
      await gateway?.stop();
      await Promise.all([server?.stop(), drachtio?.stop()]);
    });

    it("XMPP -> SIP: a chat message becomes a MESSAGE from the mapped sender with its resource as GRUU", async () => {
      let id = "";
      const { messages } = await sipReceives(200, async () => {
        id = sendChat("hello bob ✓ <&>", [xml("request", { xmlns: NS_RECEIPTS })]).id;
      });
      assert.equal(messages.length, 1);
      const msg = messages[0]!;
      assert.match(msg, new RegExp(`^MESSAGE sip:bob@${component.replace(/\./g, "\\.")} SIP/2\\.0`));
      assert.match(
        header(msg, "From") ?? "",
        new RegExp(`<sip:alice@${xmppDomain.replace(/\./g, "\\.")};gr=laptop>`),
      );
      assert.match(header(msg, "To") ?? "", new RegExp(`<sip:bob@${component.replace(/\./g, "\\.")}>`));
      assert.equal(header(msg, "Content-Type")?.toLowerCase().replace(/\s/g, ""), "text/plain;charset=utf-8");
      assert.equal(bodyOf(msg), "hello bob ✓ <&>");
      // 200 from the user agent: delivered, so the XEP-0184 receipt the sender asked for.
      const rcpt = await alice.waitFor((s) => s.getChild("received", NS_RECEIPTS)?.attrs.id === id);
      assert.equal(rcpt.attrs.from, `bob@${component}`);
    });

    it("XMPP -> SIP: a 202 from an intermediary yields no receipt", async () => {
      let id = "";
      await sipReceives(202, async () => {
        id = sendChat("via a store", [xml("request", { xmlns: NS_RECEIPTS })]).id;
      });
      await assert.rejects(alice.waitFor((s) => s.getChild("received", NS_RECEIPTS)?.attrs.id === id, 1000));
    });

    for (const [status, condition] of [
      [404, "item-not-found"],
      [486, "recipient-unavailable"],
      [480, "recipient-unavailable"],
      [408, "remote-server-timeout"],
      [503, "service-unavailable"],
    ] as const) {
      it(`XMPP -> SIP: SIP ${status} comes back as a ${condition} error with the original id`, async () => {
        let id = "";
        await sipReceives(status, async () => {
          id = sendChat(`please fail with ${status}`).id;
        });
        const err = await alice.waitFor((s) => s.name === "message" && s.attrs.id === id);
        assert.equal(err.attrs.type, "error");
        assert.equal(err.attrs.from, `bob@${component}`);
        assert.equal(errorCondition(err), condition);
      });
    }

    it("XMPP -> SIP: a body too large for UDP goes whole over TCP", async () => {
      const big = "0123456789 ".repeat(300) + "end";
      const { messages } = await sipReceives(
        200,
        async () => {
          sendChat(big);
        },
        { transport: "t1" },
      );
      assert.equal(messages.length, 1);
      assert.equal(bodyOf(messages[0]!), big);
    });

    it("XMPP -> SIP: chat states become isComposing, and gone is not forwarded", async () => {
      const { messages } = await sipReceives(200, async () => {
        await alice.send(
          xml("message", { to: `bob@${component}`, type: "chat" }, xml("gone", { xmlns: NS_CHATSTATES })),
        );
        await alice.send(
          xml(
            "message",
            { to: `bob@${component}`, type: "chat" },
            xml("composing", { xmlns: NS_CHATSTATES }),
          ),
        );
      });
      assert.equal(messages.length, 1);
      assert.match(header(messages[0]!, "Content-Type") ?? "", /application\/im-iscomposing\+xml/);
      assert.match(bodyOf(messages[0]!), /<state>\s*active\s*<\/state>/);
    });

    it("XMPP -> SIP: groupchat to a SIP user is refused with not-acceptable", async () => {
      const id = `gc${++n}`;
      await alice.send(
        xml("message", { to: `bob@${component}`, type: "groupchat", id }, xml("body", {}, "hi all")),
      );
      const err = await alice.waitFor((s) => s.attrs.id === id);
      assert.equal(errorCondition(err), "not-acceptable");
    });

    it("SIP -> XMPP: a MESSAGE becomes a chat message, answered 202, unicode and markup intact", async () => {
      // Sent raw: sipp's scenarios would read "[x]" as a keyword.
      const body = "héllo 😀 </body><body>injected</body> & <![CDATA[x]]> <?pi?> &amp;";
      const status = await sendRawMessage(drachtio.sipHost, drachtio.sipPort, {
        from: bob,
        to: `sip:alice@${xmppDomain}`,
        contentType: "text/plain;charset=UTF-8",
        body: Buffer.from(body, "utf8"),
      });
      assert.equal(status, 202);
      const m = await alice.waitFor((s) => s.name === "message" && s.getChildText("body") === body);
      assert.equal(m.attrs.type, "chat");
      assert.equal(m.attrs.from, `bob@${component}`);
      assert.equal(m.getChildren("body").length, 1);
    });

    it("SIP -> XMPP: characters XML forbids never reach the stream; Latin-1 bodies become UTF-8", async () => {
      const status = await sendRawMessage(drachtio.sipHost, drachtio.sipPort, {
        from: bob,
        to: `sip:alice@${xmppDomain}`,
        contentType: "text/plain;charset=UTF-8",
        body: Buffer.from("bell\u0007 nul\u0000 esc\u001b end", "utf8"),
      });
      assert.equal(status, 202);
      const m = await alice
        .waitFor((s) => (s.getChildText("body") ?? "").startsWith("bell"))
        .catch((e: Error) => {
          throw new Error(`${e.message}\n${alice.stanzas.slice(-3).map(String).join("\n")}`);
        });
      assert.equal(m.getChildText("body"), "bell\ufffd nul\ufffd esc\ufffd end");
      const latin1 = await sendRawMessage(drachtio.sipHost, drachtio.sipPort, {
        from: bob,
        to: `sip:alice@${xmppDomain}`,
        contentType: "text/plain; charset=ISO-8859-1",
        body: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xa9]),
      });
      assert.equal(latin1, 202);
      await alice.waitFor((s) => s.getChildText("body") === "café ©");
      // And the gateway is still connected: the stream did not die on a forbidden character.
      await sipSends({ body: "still here", expect: 202 });
      await alice.waitFor((s) => s.getChildText("body") === "still here");
    });

    it("SIP -> XMPP: the sender's GRUU becomes the resource", async () => {
      await sipSends({ from: `${bob};gr=desk`, body: "from my desk phone", expect: 202 });
      const m = await alice.waitFor((s) => s.getChildText("body") === "from my desk phone");
      assert.equal(m.attrs.from, `bob@${component}/desk`);
    });

    it("SIP -> XMPP: a large body over TCP arrives whole", async () => {
      const big = "ABCDEFGHIJ".repeat(500);
      await sipSends({ body: big, expect: 202 }, ["-t", "t1"]);
      const m = await alice.waitFor((s) => s.getChildText("body") === big);
      assert.equal(m.attrs.from, `bob@${component}`);
    });

    it("SIP -> XMPP: isComposing becomes a composing chat state, its refreshes are not repeated", async () => {
      const composing = {
        contentType: "application/im-iscomposing+xml",
        body: '<?xml version="1.0" encoding="UTF-8"?><isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>active</state><contenttype>text/plain</contenttype><refresh>60</refresh></isComposing>',
        expect: 202,
      };
      const isComposing = (s: Element) => !!s.getChild("composing", NS_CHATSTATES);
      await sipSends(composing);
      const m = await alice.waitFor(isComposing);
      assert.equal(m.attrs.from, `bob@${component}`);
      assert.equal(m.getChild("body"), undefined);
      // The RFC 3994 refresh repeats the state: XEP-0085 section 5.3 forbids a second <composing/>.
      await sipSends(composing);
      await assert.rejects(alice.waitFor(isComposing, 700));
      // After a message (which means "active"), composing is news again.
      await sipSends({ body: "done typing", expect: 202 });
      await alice.waitFor((s) => s.getChildText("body") === "done typing");
      await sipSends(composing);
      await alice.waitFor(isComposing);
    });

    it("SIP -> XMPP: bad input gets clear answers (415 with Accept, 413, 404, 403)", async () => {
      await sipSends({
        contentType: "application/octet-stream",
        body: "binary stuff",
        expect: 415,
        expectHeader: { name: "Accept", regexp: "text/plain" },
      });
      await sipSends({ body: "x".repeat(20_001), expect: 413 }, ["-t", "t1"]);
      await sipSends({ to: `sip:alice@${component}`, body: "to a SIP domain", expect: 404 });
      await sipSends({ from: "sip:mallory@evil.example", body: "spoof", expect: 403 });
      // Nobody may speak as an XMPP user from the SIP side.
      await sipSends({ from: `sip:alice@${xmppDomain}`, body: "I am alice", expect: 403 });
    });

    it("SIP -> XMPP: a request from an untrusted address is refused with 403", async () => {
      const res = await runSipp({
        scenario: messageUac({
          from: bob,
          to: `sip:alice@${xmppDomain}`,
          body: "from elsewhere",
          expect: 403,
        }),
        remote: `${drachtio.sipHost}:${drachtio.sipPort}`,
        calls: 1,
        timeoutMs: 10_000,
        extraArgs: ["-i", "127.0.0.3"],
      });
      assert.equal(res.exitCode, 0, res.messages ?? res.stdout);
    });

    it("SIP -> XMPP: when the XMPP user does not exist, the SIP sender is told", async () => {
      const { messages } = await sipReceives(200, () =>
        sipSends({ to: `sip:nobody@${xmppDomain}`, body: "anyone there?", expect: 202 }),
      );
      assert.equal(messages.length, 1);
      const notice = messages[0]!;
      assert.match(notice, new RegExp(`^MESSAGE sip:bob@${component.replace(/\./g, "\\.")}`));
      assert.match(
        header(notice, "From") ?? "",
        new RegExp(`sip:nobody@${xmppDomain.replace(/\./g, "\\.")}`),
      );
      assert.match(bodyOf(notice), /not delivered to nobody@/i);
    });

    it("SIP -> XMPP -> SIP: an XMPP receipt answers an IMDN request with a delivery notification", async () => {
      const cpim = [
        `From: <${bob}>`,
        `To: <sip:alice@${xmppDomain}>`,
        "NS: imdn <urn:ietf:params:imdn>",
        "imdn.Message-ID: imdn-42",
        "DateTime: 2026-11-23T10:00:00Z",
        "imdn.Disposition-Notification: positive-delivery",
        "",
        "Content-Type: text/plain;charset=UTF-8",
        "",
        "did you get this?",
      ].join("\r\n");
      await sipSends({ contentType: "message/cpim", body: cpim, expect: 202 });
      const m = await alice.waitFor((s) => s.getChildText("body") === "did you get this?");
      assert.equal(m.attrs.id, "imdn-42");
      assert.ok(m.getChild("request", NS_RECEIPTS), "the IMDN request became a receipt request");
      const { messages } = await sipReceives(200, () =>
        alice.send(
          xml(
            "message",
            { to: m.attrs.from, id: "r1" },
            xml("received", { xmlns: NS_RECEIPTS, id: "imdn-42" }),
          ),
        ),
      );
      assert.equal(messages.length, 1);
      assert.match(header(messages[0]!, "Content-Type") ?? "", /message\/cpim/i);
      const body = bodyOf(messages[0]!);
      assert.match(body, /message\/imdn\+xml/i);
      assert.match(body, /<message-id>imdn-42<\/message-id>/);
      assert.match(body, /<delivered\s*\/>/);
    });

    it("XMPP -> SIP: a headline is delivered but never answered, even when SIP refuses it", async () => {
      const id = `hl${++n}`;
      const { messages } = await sipReceives(404, () =>
        alice.send(xml("message", { to: `bob@${component}`, type: "headline", id }, xml("body", {}, "news"))),
      );
      assert.equal(messages.length, 1);
      assert.equal(bodyOf(messages[0]!), "news");
      await assert.rejects(
        alice.waitFor((s) => s.attrs.id === id, 700),
        "no error comes back for a headline",
      );
    });

    it("XMPP -> SIP: a body over im.maxMessageSize gets policy-violation and is not sent", async () => {
      const { id } = sendChat("y".repeat(20_001));
      const err = await alice.waitFor((s) => s.attrs.id === id);
      assert.equal(err.attrs.type, "error");
      assert.equal(errorCondition(err), "policy-violation");
    });

    it("SIP -> XMPP: a sender over its rate limit gets 503 with Retry-After", async () => {
      const flood = `sip:flood@${component}`;
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          sendRawMessageFull(drachtio.sipHost, drachtio.sipPort, {
            from: flood,
            to: `sip:alice@${xmppDomain}`,
            contentType: "text/plain",
            body: Buffer.from(`flood ${i}`),
          }),
        ),
      );
      const limited = answers.filter((a) => a.status === 503);
      assert.ok(answers.filter((a) => a.status === 202).length >= 40, "the burst goes through");
      assert.ok(limited.length > 0, "then the limit applies");
      for (const a of limited) assert.match(a.header("Retry-After") ?? "", /^\d+$/);
      // Another sender is not affected.
      await sipSends({ body: "not flooding", expect: 202 });
    });

    it("never forwards an XMPP error stanza as a message", async () => {
      const uas = await startSippServer({
        scenario: messageUas({ status: 200 }),
        port: proxyPort,
        calls: 1,
        timeoutMs: 5000,
      });
      await alice.send(
        xml(
          "message",
          { to: `bob@${component}`, type: "error", id: "not-ours" },
          xml("error", { type: "cancel" }, xml("item-not-found", { xmlns: NS_STANZAS })),
        ),
      );
      await sleep(700);
      const result = await uas.stop();
      assert.equal(received(result).filter((m) => m.startsWith("MESSAGE ")).length, 0);
    });
  });
}
