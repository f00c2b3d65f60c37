/**
 * The IM bridge with its doors replaced by recorders (the XMPP component and drachtio): the flows
 * the end-to-end tests do not reach cheaply, such as IMDN with CPIM turned on and split sending.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import xml, { type Element } from "@xmpp/xml";
import { AddressMapper } from "../../../src/address/address-mapper.js";
import { moduleLogger, silenceLogging } from "../../../src/log/logger.js";
import type { FromSip, FromXmpp, ImContext, ImSettings } from "../../../src/im/im-ports.js";
import { RateLimiter } from "../../../src/im/rate-limiter.js";
import { splitText, UDP_MESSAGE_LIMIT, withTcp } from "../../../src/im/send-sip-message.js";
import { SipToXmpp } from "../../../src/im/sip-to-xmpp.js";
import { TrackedMessages } from "../../../src/im/tracked-messages.js";
import { XmppToSip } from "../../../src/im/xmpp-to-sip.js";
import type { FinalResponse, OutgoingRequest, SipRequest, SipResponse } from "../../../src/sip/sip-link.js";

silenceLogging(true);

function harness(settings: Partial<ImSettings> = {}, status = 200) {
  const stanzas: Element[] = [];
  const requests: OutgoingRequest[] = [];
  let ids = 0;
  const ctx: ImContext = {
    xmpp: { domain: "sip.example.com", online: true, send: async (s) => void stanzas.push(s) },
    sip: {
      connected: true,
      request: async (r): Promise<FinalResponse> => {
        requests.push(r);
        return { status, reason: "X", get: () => undefined };
      },
    },
    addresses: new AddressMapper({ componentDomain: "sip.example.com", sipDomains: ["sip.example.com"] }),
    settings: { cpim: false, maxMessageSize: 65536, largeMessage: "tcp", outboundProxy: "", ...settings },
    limiter: new RateLimiter(0, 0),
    fromSip: new TrackedMessages<FromSip>(60_000),
    fromXmpp: new TrackedMessages<FromXmpp>(60_000),
    log: moduleLogger("test"),
    newId: () => `id${++ids}`,
  };
  return { ctx, stanzas, requests, x2s: new XmppToSip(ctx), s2x: new SipToXmpp(ctx) };
}

/** A SIP request as drachtio-srf hands it: headers and body as Latin-1 strings of the octets. */
function sipRequest(
  headers: Record<string, string>,
  body: string,
  uri = "sip:alice@example.com",
): SipRequest {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    uri,
    body: Buffer.from(body, "utf8").toString("latin1"),
    source_address: "127.0.0.1",
    get: (n: string) => h[n.toLowerCase()] ?? "",
    has: (n: string) => n.toLowerCase() in h,
  } as unknown as SipRequest;
}

function sipResponse() {
  const sent: Array<{ status: number; headers: Record<string, string> }> = [];
  const res = {
    finalResponseSent: false,
    send(status: number, _reason?: string, opts?: { headers?: Record<string, string> }) {
      sent.push({ status, headers: opts?.headers ?? {} });
    },
  } as unknown as SipResponse;
  return { res, sent };
}

const chat = (id: string, body: string, ...extra: Element[]) =>
  xml(
    "message",
    { from: "alice@example.com/phone", to: "bob@sip.example.com", type: "chat", id },
    xml("body", {}, body),
    ...extra,
  );

describe("IM bridge with CPIM on", () => {
  it("asks SIP for an IMDN when XMPP asks for a receipt, and turns the IMDN into the receipt", async () => {
    const { x2s, s2x, requests, stanzas } = harness({ cpim: true }, 202);
    await x2s.handle(chat("m1", "hi", xml("request", { xmlns: "urn:xmpp:receipts" })));
    assert.equal(requests.length, 1);
    const r = requests[0]!;
    assert.match(r.headers["Content-Type"] ?? "", /^message\/cpim/i);
    assert.match(r.body ?? "", /Disposition-Notification: positive-delivery/i);
    const messageId = /Message-ID: (\S+)/i.exec(r.body ?? "")?.[1];
    assert.ok(messageId, "the CPIM carries a Message-ID");
    assert.equal(stanzas.length, 0, "a 202 gives no receipt");

    const imdn = [
      "From: <sip:bob@sip.example.com>",
      "To: <sip:alice@example.com>",
      "NS: imdn <urn:ietf:params:imdn>",
      "imdn.Message-ID: reply-1",
      "DateTime: 2026-11-23T10:00:00Z",
      "",
      "Content-Type: message/imdn+xml",
      "Content-Disposition: notification",
      "",
      `<?xml version="1.0" encoding="UTF-8"?><imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>${messageId}</message-id><datetime>2026-11-23T10:00:00Z</datetime><delivery-notification><status><delivered/></status></delivery-notification></imdn>`,
    ].join("\r\n");
    const { res, sent } = sipResponse();
    await s2x.handle(
      sipRequest({ From: "<sip:bob@sip.example.com>;tag=1", "Content-Type": "message/cpim" }, imdn),
      res,
    );
    assert.equal(sent[0]?.status, 200);
    assert.equal(stanzas.length, 1);
    const receipt = stanzas[0]!;
    assert.equal(receipt.attrs.to, "alice@example.com/phone");
    assert.equal(receipt.attrs.from, "bob@sip.example.com");
    assert.equal(receipt.getChild("received", "urn:xmpp:receipts")?.attrs.id, "m1");

    // A second IMDN for the same message adds nothing.
    await s2x.handle(
      sipRequest({ From: "<sip:bob@sip.example.com>;tag=1", "Content-Type": "message/cpim" }, imdn),
      res,
    );
    assert.equal(stanzas.length, 1);
  });

  it("with CPIM off never asks for IMDN (plain phones would refuse CPIM)", async () => {
    const { x2s, requests, stanzas } = harness({ cpim: false }, 200);
    await x2s.handle(chat("m2", "hi", xml("request", { xmlns: "urn:xmpp:receipts" })));
    assert.equal(requests[0]?.headers["Content-Type"], "text/plain;charset=UTF-8");
    assert.equal(requests[0]?.body, "hi");
    assert.equal(stanzas[0]?.getChild("received", "urn:xmpp:receipts")?.attrs.id, "m2", "200 rule");
  });
});

describe("types", () => {
  it("a headline that cannot go is dropped without an answer; a chat message gets the error", async () => {
    const { x2s, requests } = harness({ maxMessageSize: 10 });
    const headline = xml(
      "message",
      { from: "a@example.com/r", to: "bob@sip.example.com", type: "headline" },
      xml("body", {}, "x".repeat(11)),
    );
    assert.equal(await x2s.handle(headline), true);
    assert.equal(requests.length, 0);
    await assert.rejects(x2s.handle(chat("c1", "x".repeat(11))), /too large/);
  });
});

describe("large messages", () => {
  const big = "word ".repeat(700);

  it("tcp: one MESSAGE, the Request-URI gets transport=tcp", async () => {
    const { x2s, requests } = harness({ largeMessage: "tcp" });
    await x2s.handle(chat("b1", big));
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.uri, "sip:bob@sip.example.com;transport=tcp");
    assert.equal(requests[0]!.body, big.replace(/\n/g, "\r\n"));
  });

  it("tcp with an outbound proxy: the proxy URI gets transport=tcp", async () => {
    const { x2s, requests } = harness({ largeMessage: "tcp", outboundProxy: "sip:proxy.example.com;lr" });
    await x2s.handle(chat("b2", big));
    assert.equal(requests[0]!.uri, "sip:bob@sip.example.com");
    assert.equal(requests[0]!.proxy, "sip:proxy.example.com;lr;transport=tcp");
  });

  it("split: several MESSAGEs in order, each small enough for UDP, nothing lost", async () => {
    const { x2s, requests } = harness({ largeMessage: "split" });
    await x2s.handle(chat("b3", big));
    assert.ok(requests.length > 1);
    for (const r of requests) {
      assert.ok(Buffer.byteLength(r.body ?? "", "utf8") + 550 <= UDP_MESSAGE_LIMIT, "fits in UDP");
      assert.equal(r.uri, "sip:bob@sip.example.com");
    }
    assert.equal(requests.map((r) => r.body).join(""), big);
  });

  it("splitText never cuts inside a character and prefers whitespace", () => {
    const text = "é😀".repeat(200);
    const parts = splitText(text, 101);
    assert.equal(parts.join(""), text);
    for (const p of parts) assert.ok(Buffer.byteLength(p, "utf8") <= 101);
    assert.deepEqual(splitText("aaa bbb ccc", 8), ["aaa bbb ", "ccc"]);
    assert.deepEqual(splitText("", 10), [""]);
  });

  it("withTcp replaces an existing transport parameter", () => {
    assert.equal(withTcp("sip:p.example.com;transport=udp;lr"), "sip:p.example.com;lr;transport=tcp");
  });
});
