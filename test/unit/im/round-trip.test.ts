import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatMessage } from "../../../src/im/chat-message.js";
import { cpimHeader, parseCpim } from "../../../src/im/codec/cpim.js";
import { CPIM_IMDN_NS } from "../../../src/im/codec/namespaces.js";
import { chatMessageToSip, sipToChatMessage, type SipBody } from "../../../src/im/sip-message.js";
import { chatMessageToStanza, stanzaToChatMessage } from "../../../src/im/xmpp-message.js";
import { fixture, overTheWire, sipHeaders, stanzaFixture } from "./im-fixtures.js";

const SIP_USER = "sip:bob@sip.example.com";
const XMPP_AS_SIP = "sip:alice%40example.com@gw.example.com";
const jids = { from: "bob@gw.example.com", to: "alice@example.com/laptop" };
let ids = 0;
const opts = (cpim: boolean) => ({ cpim, from: XMPP_AS_SIP, to: SIP_USER, newId: () => `gw${++ids}` });

/** SIP body -> model -> stanza -> wire -> model: what the XMPP client's library would see. */
function sipToXmpp(contentType: string, body: Uint8Array): ChatMessage {
  const m = sipToChatMessage({ contentType, body, headers: sipHeaders() });
  return stanzaToChatMessage(overTheWire(chatMessageToStanza({ ...m, id: m.id || "bridge-id" }, jids)));
}

/** Model -> SIP body -> model: what the SIP side would read. */
function viaSip(m: ChatMessage, cpim: boolean): { sip: SipBody; back: ChatMessage } {
  const sip = chatMessageToSip(m, opts(cpim));
  assert.ok(sip, "something to send");
  return {
    sip,
    back: sipToChatMessage({
      contentType: sip.contentType,
      body: Buffer.from(sip.body, "utf8"),
      headers: sipHeaders(),
    }),
  };
}

describe("round trips: text", () => {
  it("SIP (linphone CPIM) -> XMPP -> SIP keeps id, body and both requests", () => {
    const x = sipToXmpp(
      "message/cpim",
      fixture("linphone-android-4.6.12-cpim-text-liblinphone-issue-215.cpim"),
    );
    assert.deepEqual(x, {
      id: "HjFsonRLpkim",
      type: "chat",
      body: "Hello",
      chatState: "active",
      wantsDelivered: true,
      wantsDisplayed: true,
    });
    const { sip, back } = viaSip(x, true);
    const msg = parseCpim(Buffer.from(sip.body));
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Message-ID"), "HjFsonRLpkim");
    assert.equal(cpimHeader(msg, CPIM_IMDN_NS, "Disposition-Notification"), "positive-delivery, display");
    assert.deepEqual(back, {
      id: "HjFsonRLpkim",
      type: "chat",
      body: "Hello",
      wantsDelivered: true,
      wantsDisplayed: true,
    });
  });

  it("XMPP (Gajim) -> SIP -> XMPP keeps id, body and requests; the thread survives CPIM", () => {
    const m = {
      ...stanzaToChatMessage(stanzaFixture("gajim-ejabberd-issue-4227-chat-request-markable.xml")),
      thread: "th/1 é",
    };
    const { back } = viaSip(m, false); // requests force CPIM
    assert.deepEqual(back, {
      id: m.id,
      type: "chat",
      thread: "th/1 é",
      body: "Test message #10",
      wantsDelivered: true,
      wantsDisplayed: true,
    });
    const again = stanzaToChatMessage(overTheWire(chatMessageToStanza(back, jids)));
    assert.deepEqual(again, { ...back, chatState: "active" });
  });

  const tricky = [
    "multi\nline\n\nwith empty line",
    "</body><body>x</body> & &amp; &lt; ]]> <![CDATA[x]]>",
    "emoji 😀👩‍👩‍👧 flags 🇫🇷, RTL שלום, combining é, CJK 日本語",
    "tabs\tand trailing spaces   ",
  ];
  for (const text of tricky) {
    it(`text survives SIP -> XMPP -> SIP in UTF-8 and UTF-16: ${JSON.stringify(text.slice(0, 24))}`, () => {
      for (const [charset, bytes] of [
        ["UTF-8", Buffer.from(text, "utf8")],
        ["UTF-16", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")])],
      ] as const) {
        const x = sipToXmpp(`text/plain;charset=${charset}`, bytes);
        assert.equal(x.body, text, charset);
        const { sip, back } = viaSip(x, false);
        assert.equal(sip.body, text.replace(/\n/g, "\r\n"));
        assert.equal(back.body, text);
      }
    });
  }

  it("characters XML forbids are replaced once and then stable", () => {
    const x = sipToXmpp("text/plain", Buffer.from("a\u0000b\u0007c"));
    assert.equal(x.body, "a\uFFFDb\uFFFDc");
    assert.equal(viaSip(x, true).back.body, "a\uFFFDb\uFFFDc");
  });
});

describe("round trips: receipts and markers", () => {
  it("SIP asks positive-delivery -> XEP-0184 request -> <received/> -> RFC 5438 delivered for the same id", () => {
    const request = sipToChatMessage({
      contentType: "message/cpim",
      body: fixture("rfc5438-im-requesting-delivery-notifications.cpim"),
      headers: sipHeaders(),
    });
    const stanza = overTheWire(chatMessageToStanza(request, jids));
    assert.ok(stanza.getChild("request", "urn:xmpp:receipts"));
    // The XMPP client acknowledges (XEP-0184 section 7's example shape).
    const ack = stanzaToChatMessage(
      overTheWire(
        chatMessageToStanza({ id: "ack1", deliveredOf: stanza.attrs.id }, { from: jids.to, to: jids.from }),
      ),
    );
    const { back } = viaSip(ack, false);
    assert.deepEqual(back, { id: `gw${ids}`, type: "chat", deliveredOf: "34jk324j" });
  });

  it("XMPP markable -> SIP display request -> RFC 5438 displayed -> XEP-0333 <displayed/>", () => {
    const m = stanzaToChatMessage(stanzaFixture("xep0333-markable.xml"));
    const { back } = viaSip(m, false);
    assert.equal(back.wantsDisplayed, true);
    const imdn = fixture("rfc5438-display-notification.cpim").toString().replace("34jk324j", back.id);
    const notice = sipToChatMessage({
      contentType: "message/cpim",
      body: Buffer.from(imdn),
      headers: sipHeaders(),
    });
    const out = overTheWire(
      chatMessageToStanza(notice, { from: jids.from, to: "northumberland@shakespeare.lit/westminster" }),
    );
    assert.equal(out.getChild("displayed", "urn:xmpp:chat-markers:0")?.attrs.id, "message-1");
  });
});

describe("round trips: chat states", () => {
  it("composing <-> active with refresh; paused/active/inactive -> idle -> paused; gone dropped", () => {
    const composing = viaSip(
      stanzaToChatMessage(stanzaFixture("xep0085-standalone-composing-with-thread.xml")),
      false,
    );
    assert.equal(composing.sip.contentType, "application/im-iscomposing+xml");
    assert.deepEqual(composing.back, { id: "", type: "chat", chatState: "composing", composingRefresh: 60 });
    for (const f of [
      "xep0085-standalone-paused-with-thread.xml",
      "xep0085-standalone-inactive-with-thread.xml",
    ]) {
      assert.equal(viaSip(stanzaToChatMessage(stanzaFixture(f)), false).back.chatState, "paused", f);
    }
    assert.equal(
      chatMessageToSip(
        stanzaToChatMessage(stanzaFixture("xep0085-standalone-gone-with-thread.xml")),
        opts(false),
      ),
      undefined,
    );
  });

  it("the thread of a chat state survives when CPIM is on", () => {
    const back = viaSip(
      stanzaToChatMessage(stanzaFixture("xep0085-standalone-paused-with-thread.xml")),
      true,
    ).back;
    assert.equal(back.thread, "act2scene2chat1");
    const stanza = overTheWire(chatMessageToStanza(back, jids));
    assert.equal(stanza.getChildText("thread"), "act2scene2chat1");
    assert.ok(stanza.getChild("paused", "http://jabber.org/protocol/chatstates"));
  });
});
