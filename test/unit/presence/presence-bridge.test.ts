/**
 * The presence bridge with recorded doors: what each direction sends to SIP and XMPP, and how it
 * answers bad input, without servers (the e2e tests in test/e2e/presence.test.ts run the real thing).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import xml, { type Element } from "@xmpp/xml";
import { AddressMapper } from "../../../src/address/address-mapper.js";
import { moduleLogger, silenceLogging } from "../../../src/log/logger.js";
import { PresenceBridge } from "../../../src/presence/presence-bridge.js";
import type { PresenceContext } from "../../../src/presence/presence-ports.js";
import { MemoryPresenceStore } from "../../../src/presence/store/presence-store.js";
import type { FinalResponse, OutgoingRequest, SipRequest } from "../../../src/sip/sip-link.js";
import { fakeRequest, fakeResponse } from "../../support/fake-sip.js";

silenceLogging(true);

const PIDF_AWAY = `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:bob@sip.example.com"><tuple id="t"><status><basic>open</basic></status></tuple><dm:person id="p"><rpid:activities><rpid:away/></rpid:activities><dm:note>out</dm:note></dm:person></presence>`;

function harness() {
  let clock = 1_000_000;
  let token = 0;
  const stanzas: Element[] = [];
  const requests: OutgoingRequest[] = [];
  const answers: Array<{ status: number; [header: string]: string | number }> = [];
  const store = new MemoryPresenceStore();
  const ctx: PresenceContext = {
    xmpp: { domain: "sip.example.com", online: true, send: (s) => (stanzas.push(s), Promise.resolve()) },
    sip: {
      connected: true,
      request: (r): Promise<FinalResponse> => {
        requests.push(r);
        const a = answers.shift() ?? { status: 200 };
        const get = (h: string) => {
          const v = a[h];
          return typeof v === "string" ? v : undefined;
        };
        return Promise.resolve({ status: a.status, reason: "", get });
      },
    },
    addresses: new AddressMapper({
      componentDomain: "sip.example.com",
      sipDomains: ["sip.example.com"],
      xmppDomains: ["xmpp.example.com"],
    }),
    store,
    settings: { expires: 600, minExpires: 60, maxExpires: 3600, outboundProxy: "sip:proxy.example.com" },
    log: moduleLogger("presence-test"),
    now: () => clock,
    newToken: () => `tok${++token}`,
  };
  const bridge = new PresenceBridge(ctx);
  return {
    bridge,
    store,
    stanzas,
    requests,
    answers,
    advance: (ms: number) => (clock += ms),
    now: () => clock,
  };
}

const request = fakeRequest;
const response = (toTag = "gwtag") => fakeResponse(() => toTag);

const subscribeHeaders = (over: Record<string, string> = {}) => ({
  "Call-ID": "call-1",
  From: "<sip:bob@sip.example.com>;tag=bobtag",
  To: "<sip:alice@xmpp.example.com>",
  Contact: "<sip:bob@192.0.2.10:5060>",
  Event: "presence",
  Expires: "600",
  ...over,
});

describe("presence bridge: SIP user watches XMPP user", () => {
  it("202, NOTIFY pending, subscribe to alice; her subscribed -> NOTIFY active with her PIDF", async () => {
    const h = harness();
    const { res, sent } = response();
    await h.bridge.handleSubscribe(
      request("SUBSCRIBE", "sip:alice@xmpp.example.com", subscribeHeaders()),
      res,
    );
    assert.equal(sent[0]?.status, 202);
    assert.equal(sent[0]?.headers["Expires"], "600");
    const pending = h.requests[0]!;
    assert.equal(pending.method, "NOTIFY");
    assert.equal(pending.uri, "sip:bob@192.0.2.10:5060");
    assert.equal(pending.headers["Subscription-State"], "pending;expires=600");
    assert.equal(pending.headers["To"], "<sip:bob@sip.example.com>;tag=bobtag");
    assert.equal(pending.headers["From"], "<sip:alice@xmpp.example.com>;tag=gwtag");
    assert.equal(pending.body, undefined);
    assert.equal(h.stanzas[0]?.attrs.type, "subscribe");
    assert.equal(h.stanzas[0]?.attrs.from, "bob@sip.example.com");

    await h.bridge.handleStanza(
      xml(
        "presence",
        { from: "alice@xmpp.example.com/phone", to: "bob@sip.example.com" },
        xml("show", {}, "xa"),
      ),
    );
    assert.equal(h.requests.length, 1, "no NOTIFY with her state before she authorized bob");
    await h.bridge.handleStanza(
      xml("presence", { from: "alice@xmpp.example.com", to: "bob@sip.example.com", type: "subscribed" }),
    );
    const active = h.requests[1]!;
    assert.match(active.headers["Subscription-State"] ?? "", /^active;expires=600$/);
    assert.equal(active.headers["Content-Type"], "application/pidf+xml");
    assert.match(active.body ?? "", /<basic>open<\/basic>/);
    assert.deepEqual((await h.store.load()).authorizations, ["alice@xmpp.example.com|bob@sip.example.com"]);
  });

  it("expiry without refresh -> NOTIFY terminated;reason=timeout, and the subscription is gone", async () => {
    const h = harness();
    await h.bridge.handleSubscribe(
      request("SUBSCRIBE", "sip:alice@xmpp.example.com", subscribeHeaders({ Expires: "60" })),
      response().res,
    );
    h.advance(61_000);
    await h.bridge.sipWatchers.sweep(h.now());
    assert.equal(h.requests.at(-1)?.headers["Subscription-State"], "terminated;reason=timeout");
    assert.equal(h.bridge.sipWatchers.size, 0);
    assert.equal((await h.store.load()).inbound.length, 0);
  });

  for (const [what, headers, uri, status] of [
    ["unknown event package -> 489", { Event: "dialog" }, "sip:alice@xmpp.example.com", 489],
    ["no Event -> 489", { Event: "" }, "sip:alice@xmpp.example.com", 489],
    ["Expires below the minimum -> 423", { Expires: "10" }, "sip:alice@xmpp.example.com", 423],
    ["garbage Expires -> 400", { Expires: "soon" }, "sip:alice@xmpp.example.com", 400],
    ["Accept without PIDF -> 406", { Accept: "application/xpidf+xml" }, "sip:alice@xmpp.example.com", 406],
    [
      "watcher outside the SIP domains -> 403",
      { From: "<sip:eve@evil.example>;tag=e" },
      "sip:alice@xmpp.example.com",
      403,
    ],
    ["no From tag -> 400", { From: "<sip:bob@sip.example.com>" }, "sip:alice@xmpp.example.com", 400],
    [
      "refresh of an unknown dialog -> 481",
      { To: "<sip:alice@xmpp.example.com>;tag=nope" },
      "sip:alice@xmpp.example.com",
      481,
    ],
    ["presentity not an XMPP user -> 404", {}, "sip:carol@sip.example.com", 404],
  ] as const) {
    it(what, async () => {
      const h = harness();
      const { res, sent } = response();
      const hdrs: Record<string, string> = subscribeHeaders(headers as Record<string, string>);
      if (hdrs["Event"] === "") delete hdrs["Event"];
      await h.bridge.handleSubscribe(request("SUBSCRIBE", uri, hdrs), res);
      assert.equal(sent[0]?.status, status);
      if (status === 423) assert.equal(sent[0]?.headers["Min-Expires"], "60");
      if (status === 489) assert.equal(sent[0]?.headers["Allow-Events"], "presence");
      assert.equal(h.requests.length, 0);
      assert.equal(h.stanzas.length, 0);
    });
  }

  it("a SUBSCRIBE with a body (a filter) -> 415", async () => {
    const h = harness();
    const { res, sent } = response();
    await h.bridge.handleSubscribe(
      request("SUBSCRIBE", "sip:alice@xmpp.example.com", subscribeHeaders(), "<filter-set/>"),
      res,
    );
    assert.equal(sent[0]?.status, 415);
  });
});

describe("presence bridge: XMPP user watches SIP user", () => {
  async function subscribed(h: ReturnType<typeof harness>) {
    h.answers.push({
      status: 200,
      To: "<sip:bob@sip.example.com>;tag=bt",
      Contact: "<sip:bob@192.0.2.9>",
      Expires: "300",
    });
    await h.bridge.handleStanza(
      xml("presence", {
        from: "alice@xmpp.example.com/laptop",
        to: "bob@sip.example.com",
        type: "subscribe",
      }),
    );
    const sub = h.requests[0]!;
    return sub;
  }

  const notify = (sub: OutgoingRequest, state: string, body = "", ct = "application/pidf+xml") =>
    request(
      "NOTIFY",
      "sip:alice@xmpp.example.com",
      {
        "Call-ID": sub.headers["Call-ID"] ?? "",
        From: "<sip:bob@sip.example.com>;tag=bt",
        To: sub.headers["From"] ?? "",
        Contact: "<sip:bob@192.0.2.9>",
        Event: "presence",
        "Subscription-State": state,
        ...(body ? { "Content-Type": ct } : {}),
      },
      body,
    );

  it("SUBSCRIBE with Event, Accept, Expires through the outbound proxy; NOTIFY active -> subscribed + presence", async () => {
    const h = harness();
    const sub = await subscribed(h);
    assert.equal(sub.method, "SUBSCRIBE");
    assert.equal(sub.uri, "sip:bob@sip.example.com");
    assert.equal(sub.proxy, "sip:proxy.example.com");
    assert.equal(sub.headers["Event"], "presence");
    assert.equal(sub.headers["Accept"], "application/pidf+xml");
    assert.equal(sub.headers["Expires"], "600");
    assert.match(sub.headers["From"] ?? "", /^<sip:alice@xmpp\.example\.com>;tag=tok\d+$/);
    const { res, sent } = response();
    await h.bridge.handleNotify(notify(sub, "active;expires=300", PIDF_AWAY), res);
    assert.equal(sent[0]?.status, 200);
    assert.equal(h.stanzas[0]?.attrs.type, "subscribed");
    assert.equal(h.stanzas[0]?.attrs.to, "alice@xmpp.example.com");
    assert.equal(h.stanzas[1]?.getChildText("show"), "away");
    assert.equal(h.stanzas[1]?.getChildText("status"), "out");
    // a probe from one of her resources is answered from the live state
    await h.bridge.handleStanza(
      xml("presence", { from: "alice@xmpp.example.com/phone", to: "bob@sip.example.com", type: "probe" }),
    );
    assert.equal(h.stanzas[2]?.attrs.to, "alice@xmpp.example.com/phone");
    assert.equal(h.stanzas[2]?.getChildText("show"), "away");
    assert.equal(h.requests.length, 1, "one SIP subscription shared by her resources");
  });

  it("refreshes at two thirds of the granted time, in the dialog", async () => {
    const h = harness();
    await subscribed(h);
    h.advance(199_000);
    await h.bridge.xmppWatchers.sweep(h.now());
    assert.equal(h.requests.length, 1);
    h.advance(2_000);
    await h.bridge.xmppWatchers.sweep(h.now());
    const refresh = h.requests[1]!;
    assert.equal(refresh.uri, "sip:bob@192.0.2.9");
    assert.equal(refresh.headers["To"], "<sip:bob@sip.example.com>;tag=bt");
    assert.equal(refresh.headers["Call-ID"], h.requests[0]!.headers["Call-ID"]);
  });

  it("bad NOTIFYs: malformed PIDF 400, other body type 415, no Subscription-State 400, other event 489, unknown 481", async () => {
    const h = harness();
    const sub = await subscribed(h);
    const cases: Array<[SipRequest, number]> = [
      [notify(sub, "active;expires=300", "<presence><tuple"), 400],
      [notify(sub, "active;expires=300", "hello", "text/plain"), 415],
      [notify(sub, ""), 400],
      [request("NOTIFY", "sip:alice@xmpp.example.com", { Event: "dialog", "Call-ID": "x" }), 489],
      [notify({ ...sub, headers: { ...sub.headers, "Call-ID": "other" } }, "active"), 481],
    ];
    for (const [req, status] of cases) {
      const { res, sent } = response();
      const r = req as unknown as { has(n: string): boolean; get(n: string): string };
      if (status === 400 && r.get("Subscription-State") === "") {
        const orig = r.has.bind(r);
        r.has = (n: string) => (n.toLowerCase() === "subscription-state" ? false : orig(n));
      }
      await h.bridge.handleNotify(req, res);
      assert.equal(sent[0]?.status, status);
    }
    assert.equal(h.stanzas.length, 0, "nothing reached XMPP");
  });

  it("403 -> unsubscribed; 423 -> retried once with Min-Expires; 503 -> retried later", async () => {
    const h = harness();
    h.answers.push({ status: 403 });
    await h.bridge.handleStanza(
      xml("presence", { from: "alice@xmpp.example.com", to: "bob@sip.example.com", type: "subscribe" }),
    );
    assert.equal(h.stanzas[0]?.attrs.type, "unsubscribed");
    assert.equal(h.bridge.xmppWatchers.size, 0);

    h.answers.push(
      { status: 423, "Min-Expires": "1800" },
      { status: 200, To: "<sip:c@sip.example.com>;tag=c", Contact: "<sip:c@192.0.2.3>", Expires: "1800" },
    );
    await h.bridge.handleStanza(
      xml("presence", { from: "alice@xmpp.example.com", to: "carol@sip.example.com", type: "subscribe" }),
    );
    assert.equal(h.requests.at(-1)?.headers["Expires"], "1800");

    h.answers.push({ status: 503, "Retry-After": "120" });
    await h.bridge.handleStanza(
      xml("presence", { from: "alice@xmpp.example.com", to: "dave@sip.example.com", type: "subscribe" }),
    );
    const before = h.requests.length;
    h.advance(119_000);
    await h.bridge.xmppWatchers.sweep(h.now());
    assert.equal(h.requests.length, before);
    h.advance(2_000);
    await h.bridge.xmppWatchers.sweep(h.now());
    assert.equal(h.requests.length, before + 1);
    assert.equal(h.requests.at(-1)?.uri, "sip:dave@sip.example.com");
  });

  it("unsubscribe -> SUBSCRIBE Expires: 0 in the dialog, unavailable to her, and its final NOTIFY gets 200", async () => {
    const h = harness();
    const sub = await subscribed(h);
    await h.bridge.handleStanza(
      xml("presence", { from: "alice@xmpp.example.com", to: "bob@sip.example.com", type: "unsubscribe" }),
    );
    const un = h.requests[1]!;
    assert.equal(un.headers["Expires"], "0");
    assert.equal(un.headers["To"], "<sip:bob@sip.example.com>;tag=bt");
    assert.equal(h.stanzas.at(-1)?.attrs.type, "unavailable");
    const { res, sent } = response();
    await h.bridge.handleNotify(notify(sub, "terminated;reason=timeout"), res);
    assert.equal(sent[0]?.status, 200);
    assert.equal(h.bridge.xmppWatchers.size, 0);
  });
});
