import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatMessage } from "../../../src/im/chat-message.js";
import { cpimContentHeader, cpimHeader, parseCpim } from "../../../src/im/codec/cpim.js";
import { parseImdn } from "../../../src/im/codec/imdn.js";
import { parseIsComposing } from "../../../src/im/codec/is-composing.js";
import { CPIM_DEFAULT_NS, CPIM_IMDN_NS, CPIM_XMPP_NS } from "../../../src/im/codec/namespaces.js";
import { SipBodyError } from "../../../src/im/codec/sip-body-error.js";
import { ACCEPTED_CONTENT_TYPES, chatMessageToSip, sipToChatMessage } from "../../../src/im/sip-message.js";
import { fixture, sipHeaders } from "./im-fixtures.js";

const sip = (contentType: string | undefined, body: Uint8Array | string) =>
  sipToChatMessage({
    contentType,
    body: typeof body === "string" ? Buffer.from(body) : body,
    headers: sipHeaders(),
  });

function refused(status: 400 | 415, reason: string, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SipBodyError, String(e));
    assert.equal(e.status, status);
    assert.equal(e.reason, reason);
    if (status === 415) assert.deepEqual(e.accept, ACCEPTED_CONTENT_TYPES);
    else assert.equal(e.accept, undefined);
    return true;
  });
}

describe("sipToChatMessage: text", () => {
  it("text/plain: no SIP-side id (the bridge picks one), type chat", () => {
    assert.deepEqual(sip("text/plain;charset=utf-8", fixture("sipml5-issue-125-text-plain-utf8.txt")), {
      id: "",
      type: "chat",
      body: "特维",
    });
  });

  it("decision: CRLF and CR become LF (XML 1.0 section 2.11 would do it on the XMPP side anyway)", () => {
    assert.equal(sip("text/plain", "line 1\r\nline 2\rline 3\n").body, "line 1\nline 2\nline 3\n");
  });

  it("text/html becomes a plain body, the HTML kept as html", () => {
    assert.deepEqual(sip("text/html", fixture("linphone-android-issue-1184-text-html.html")), {
      id: "",
      type: "chat",
      body: "example",
      html: "<html><head></head><body>example</body></html>",
    });
  });

  it("XML injection: markup, CDATA ends, control characters and emoji stay text", () => {
    const m = sip("text/plain;charset=UTF-8", "</body><body>x</body>&amp; ]]> <![CDATA[ \u0001\u0008 😀");
    assert.equal(m.body, "</body><body>x</body>&amp; ]]> <![CDATA[ \uFFFD\uFFFD 😀");
  });

  it("decision: an empty MESSAGE is nothing to forward, not an error", () => {
    assert.deepEqual(sip(undefined, ""), { id: "", type: "chat" });
    assert.deepEqual(sip("text/plain", ""), { id: "", type: "chat" });
  });

  it("RFC 3261 section 20.15: a body without Content-Type is a 400", () => {
    refused(400, "missing-content-type", () => sip(undefined, "hello"));
  });

  it("other media types are a 415 with the Accept list (RFC 3261 section 21.4.13)", () => {
    refused(415, "unsupported-media-type", () => sip("application/vnd.3gpp.sms", "\u0001\u0002"));
    refused(415, "unsupported-media-type", () => sip("multipart/mixed;boundary=x", "--x--"));
    refused(400, "malformed-content-type", () => sip("text", "x"));
  });
});

describe("sipToChatMessage: CPIM", () => {
  it("RFC 5438's IM: id from imdn.Message-ID, positive-delivery requested (negative-delivery has no XMPP counterpart)", () => {
    assert.deepEqual(sip("message/cpim", fixture("rfc5438-im-requesting-delivery-notifications.cpim")), {
      id: "34jk324j",
      type: "chat",
      body: "Hello World\n",
      wantsDelivered: true,
    });
  });

  it("linphone-android 4.6.12 (liblinphone#215): positive-delivery and display", () => {
    assert.deepEqual(
      sip("message/cpim", fixture("linphone-android-4.6.12-cpim-text-liblinphone-issue-215.cpim")),
      {
        id: "HjFsonRLpkim",
        type: "chat",
        body: "Hello",
        wantsDelivered: true,
        wantsDisplayed: true,
      },
    );
  });

  it("decision: liblinphone's unprefixed Message-ID is the IMDN Message-ID", () => {
    assert.equal(
      sip("Message/CPIM", fixture("liblinphone-cpim-unprefixed-message-id.cpim")).id,
      "nXtbUzCvsB3N",
    );
  });

  it("Metaswitch sprout's RCS CPIM", () => {
    assert.deepEqual(sip("message/cpim", fixture("metaswitch-sprout-scscf-test-rcs-cpim.cpim")), {
      id: "Msg6rn78PUQzC",
      type: "chat",
      body: "subject",
      wantsDelivered: true,
      wantsDisplayed: true,
    });
  });

  it("RFC 5438: a request without a Message-ID cannot be honoured and is dropped", () => {
    const body =
      "imdn.Disposition-Notification: positive-delivery, display\r\n\r\nContent-Type: text/plain\r\n\r\nhi";
    assert.deepEqual(sip("message/cpim", body), { id: "", type: "chat", body: "hi" });
  });

  it("the XMPP thread travels as xmpp.thread (percent-encoded)", () => {
    const body =
      "NS: xmpp <jabber:client>\r\nxmpp.thread: act2%20scene2%0D%0A\r\n\r\nContent-Type: text/plain\r\n\r\nhi";
    assert.equal(sip("message/cpim", body).thread, "act2 scene2\r\n");
  });

  it("CPIM around content the gateway does not take is a 415 (the RFC 3862 example carries text/xml)", () => {
    refused(415, "unsupported-media-type", () =>
      sip("message/cpim", fixture("rfc3862-example-via-liblinphone-cpim-tester.cpim")),
    );
  });

  it("malformed CPIM is a 400", () => {
    refused(400, "malformed-cpim", () => sip("message/cpim", "From: <sip:a@b>"));
  });

  it("RFC 2045 section 5.2: CPIM content without a Content-Type is text/plain", () => {
    assert.equal(sip("message/cpim", "From: <sip:a@b>\r\n\r\n\r\nhello").body, "hello");
  });
});

describe("sipToChatMessage: isComposing (RFC 3994) and IMDN (RFC 5438)", () => {
  it("active is composing, with its refresh", () => {
    assert.deepEqual(sip("application/im-iscomposing+xml", fixture("liblinphone-iscomposing-active.xml")), {
      id: "",
      type: "chat",
      chatState: "composing",
      composingRefresh: 60,
    });
  });

  it("idle is paused (the RFC 3994 example)", () => {
    assert.equal(
      sip("application/im-iscomposing+xml", fixture("rfc3994-example-idle.xml")).chatState,
      "paused",
    );
  });

  it("an unknown state is not forwarded", () => {
    assert.deepEqual(
      sip("application/im-iscomposing+xml", "<isComposing><state>thinking</state></isComposing>"),
      { id: "", type: "chat" },
    );
  });

  it("isComposing inside CPIM", () => {
    const body = `From: <sip:a@b>\r\n\r\nContent-Type: application/im-iscomposing+xml\r\n\r\n${fixture("iscomposing-js-active.xml").toString()}`;
    assert.equal(sip("message/cpim", body).composingRefresh, 120);
  });

  it("a malformed isComposing is a 400", () => {
    refused(400, "malformed-xml", () => sip("application/im-iscomposing+xml", "<isComposing><state>"));
  });

  it("RFC 5438 delivery and display notifications", () => {
    assert.deepEqual(sip("message/cpim", fixture("rfc5438-delivery-notification.cpim")), {
      id: "d834jied93rf",
      type: "chat",
      deliveredOf: "34jk324j",
    });
    assert.deepEqual(sip("message/cpim", fixture("rfc5438-display-notification.cpim")), {
      id: "dfjkleriou432333",
      type: "chat",
      displayedOf: "34jk324j",
    });
  });

  it("decision: a bare message/imdn+xml (liblinphone without CPIM) is accepted", () => {
    assert.deepEqual(
      sip("message/imdn+xml", fixture("liblinphone-imdn-delivered-linphone-iphone-issue-822.xml")),
      {
        id: "",
        type: "chat",
        deliveredOf: "af89ee34-c23f-4324-b3b9-ba672cfaa114",
      },
    );
  });

  it("decision: failed/error/forbidden notifications are accepted and not forwarded (payload none)", () => {
    assert.deepEqual(sip("message/imdn+xml", fixture("liblinphone-imdn-failed-with-linphone-reason.xml")), {
      id: "",
      type: "chat",
    });
  });

  it("an IMDN never requests an IMDN: a Disposition-Notification on it is ignored", () => {
    const body = fixture("rfc5438-delivery-notification.cpim")
      .toString()
      .replace(
        "imdn.Message-ID: d834jied93rf",
        "imdn.Message-ID: d834jied93rf\r\nimdn.Disposition-Notification: positive-delivery",
      );
    const m = sip("message/cpim", body);
    assert.equal(m.wantsDelivered, undefined);
  });
});

const opts = {
  cpim: false,
  from: "sip:alice@xmpp.example.com",
  to: "sip:bob@sip.example.com",
  now: new Date("2024-05-01T10:00:00.123Z"),
  newId: () => "fresh1",
};
const toSip = (m: ChatMessage, o: Partial<typeof opts> = {}) => chatMessageToSip(m, { ...opts, ...o });

function asCpim(out: { contentType: string; body: string } | undefined) {
  assert.ok(out);
  assert.equal(out.contentType, "message/cpim");
  return parseCpim(Buffer.from(out.body, "utf8"));
}

describe("chatMessageToSip: text", () => {
  it("plain text/plain;charset=UTF-8 when CPIM is off and nothing is requested; LF becomes CRLF (RFC 2046 4.1.1)", () => {
    assert.deepEqual(toSip({ id: "x1", body: "hi\nthere 😀", thread: "t" }), {
      contentType: "text/plain;charset=UTF-8",
      body: "hi\r\nthere 😀",
    });
  });

  it("CPIM when configured: From, To, DateTime, NS, imdn.Message-ID = the stanza id, xmpp.thread", () => {
    const out = toSip({ id: "x1", body: "hi", thread: "act 1/2" }, { cpim: true });
    assert.equal(
      out?.body,
      "From: <sip:alice@xmpp.example.com>\r\nTo: <sip:bob@sip.example.com>\r\nDateTime: 2024-05-01T10:00:00Z\r\n" +
        "NS: imdn <urn:ietf:params:imdn>\r\nNS: xmpp <jabber:client>\r\nimdn.Message-ID: x1\r\nxmpp.thread: act%201%2F2\r\n\r\n" +
        "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 2\r\n\r\nhi",
    );
  });

  it("requests force CPIM even when it is off (RFC 5438 needs CPIM headers)", () => {
    const msg = asCpim(toSip({ id: "x1", body: "hi", wantsDelivered: true, wantsDisplayed: true }));
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Disposition-Notification"), "positive-delivery, display");
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Message-ID"), "x1");
  });

  it("decision: an id that is not a token (or none) gets a fresh Message-ID", () => {
    assert.equal(
      cpimHeader(
        asCpim(toSip({ id: "a b\r\nc", body: "hi", wantsDelivered: true })),
        CPIM_IMDN_NS,
        "Message-ID",
      ),
      "fresh1",
    );
    assert.equal(
      cpimHeader(asCpim(toSip({ id: "", body: "hi" }, { cpim: true })), CPIM_IMDN_NS, "Message-ID"),
      "fresh1",
    );
  });

  it("a thread with line breaks cannot inject CPIM headers", () => {
    const msg = asCpim(
      toSip({ id: "x", body: "hi", thread: "t\r\nimdn.Disposition-Notification: display" }, { cpim: true }),
    );
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Disposition-Notification"), undefined);
    assert.equal(
      cpimHeader(msg, CPIM_XMPP_NS, "thread"),
      "t%0D%0Aimdn.Disposition-Notification%3A%20display",
    );
  });

  it("the body wins over a chat state, a receipt or a marker next to it (precedence)", () => {
    assert.equal(
      toSip({ id: "x", body: "hi", chatState: "composing", deliveredOf: "y", displayedOf: "z" })?.contentType,
      "text/plain;charset=UTF-8",
    );
  });

  it("a name-addr given as from/to is kept", () => {
    const msg = asCpim(
      toSip({ id: "x", body: "hi" }, { cpim: true, from: '"Alice" <sip:alice@example.com>' }),
    );
    assert.equal(cpimHeader(msg, CPIM_DEFAULT_NS, "From"), '"Alice" <sip:alice@example.com>');
  });
});

describe("chatMessageToSip: notifications and chat states", () => {
  it("delivered: an RFC 5438 delivery notification in CPIM, with its own Message-ID", () => {
    const msg = asCpim(toSip({ id: "r1", deliveredOf: "34jk324j", thread: "t" }));
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Message-ID"), "fresh1");
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Disposition-Notification"), undefined);
    assert.equal(cpimHeader(msg, CPIM_XMPP_NS, "thread"), undefined);
    assert.equal(cpimContentHeader(msg, "Content-Type"), "message/imdn+xml");
    assert.equal(cpimContentHeader(msg, "Content-Disposition"), "notification");
    const n = parseImdn(Buffer.from(msg.content).toString("utf8"));
    assert.deepEqual(
      [n.messageId, n.kind, n.status, n.dateTime],
      ["34jk324j", "delivery", "delivered", "2024-05-01T10:00:00Z"],
    );
  });

  it("displayed: a display notification", () => {
    const n = parseImdn(Buffer.from(asCpim(toSip({ id: "r2", displayedOf: "m9" })).content).toString("utf8"));
    assert.deepEqual([n.messageId, n.kind, n.status], ["m9", "display", "displayed"]);
  });

  it("composing: isComposing active with refresh (default 60, never below 60)", () => {
    const out = toSip({ id: "", chatState: "composing" });
    assert.equal(out?.contentType, "application/im-iscomposing+xml");
    assert.equal(parseIsComposing(out?.body ?? "").refresh, 60);
    assert.equal(
      parseIsComposing(toSip({ id: "", chatState: "composing", composingRefresh: 120 })?.body ?? "").refresh,
      120,
    );
    assert.equal(
      parseIsComposing(toSip({ id: "", chatState: "composing", composingRefresh: 10 })?.body ?? "").refresh,
      60,
    );
  });

  for (const state of ["paused", "active", "inactive"] as const) {
    it(`${state}: isComposing idle`, () => {
      assert.equal(parseIsComposing(toSip({ id: "", chatState: state })?.body ?? "").state, "idle");
    });
  }

  it("gone and an empty model: nothing to send (undefined)", () => {
    assert.equal(toSip({ id: "x", chatState: "gone" }), undefined);
    assert.equal(toSip({ id: "x" }), undefined);
    assert.equal(toSip({ id: "x", body: "" }), undefined);
  });

  it("with CPIM configured, a chat state is wrapped too (without IMDN headers)", () => {
    const msg = asCpim(toSip({ id: "x", chatState: "composing", thread: "t" }, { cpim: true }));
    assert.equal(cpimContentHeader(msg, "Content-Type"), "application/im-iscomposing+xml");
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Message-ID"), undefined);
    assert.equal(cpimHeader(msg, CPIM_XMPP_NS, "thread"), "t");
  });
});
