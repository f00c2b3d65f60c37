import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatMessage } from "../../../src/im/chat-message.js";
import { XmppMessageError } from "../../../src/im/codec/xmpp-message-error.js";
import { GatewayError, toGatewayError } from "../../../src/errors/gateway-error.js";
import { chatMessageToStanza, stanzaToChatMessage } from "../../../src/im/xmpp-message.js";
import { overTheWire, parseStanza, stanzaFixture } from "./im-fixtures.js";

const NS_CHATSTATES = "http://jabber.org/protocol/chatstates";
const NS_RECEIPTS = "urn:xmpp:receipts";
const NS_MARKERS = "urn:xmpp:chat-markers:0";

const read = (name: string) => stanzaToChatMessage(stanzaFixture(name));

function refused(condition: string, reason: string, xml: string): void {
  assert.throws(
    () => stanzaToChatMessage(parseStanza(xml)),
    (e: unknown) =>
      e instanceof XmppMessageError &&
      e.condition === condition &&
      e.reason === reason &&
      toGatewayError(e) === e,
  );
}

describe("stanzaToChatMessage on XEP examples", () => {
  it("XEP-0184: a content message with a receipt request (no type: normal, RFC 6121 5.2.2)", () => {
    assert.deepEqual(read("xep0184-content-message-with-request.xml"), {
      id: "richard2-4.1.247",
      type: "normal",
      body: "My lord, dispatch; read o'er these articles.",
      wantsDelivered: true,
    });
  });

  it("XEP-0184: a receipt", () => {
    assert.deepEqual(read("xep0184-receipt.xml"), {
      id: "bi29sg183b4v",
      type: "normal",
      deliveredOf: "richard2-4.1.247",
    });
  });

  it("XEP-0184 1.1rc5: a receipt without id mirrors the stanza id", () => {
    assert.equal(read("xep0184-1.1rc5-receipt-mirroring-id.xml").deliveredOf, "richard2-4.1.247");
  });

  it("XEP-0333: markable with thread; a received marker counts as delivered", () => {
    assert.deepEqual(read("xep0333-markable.xml"), {
      id: "message-1",
      type: "normal",
      thread: "sleeping",
      body: "My lord, dispatch; read o'er these articles.",
      wantsDisplayed: true,
    });
    assert.equal(read("xep0333-received-marker.xml").deliveredOf, "message-1");
  });

  it("XEP-0085: standalone states with thread, and a content message with <active/>", () => {
    assert.deepEqual(read("xep0085-standalone-composing-with-thread.xml"), {
      id: "",
      type: "chat",
      thread: "act2scene2chat1",
      chatState: "composing",
    });
    assert.equal(read("xep0085-standalone-paused-with-thread.xml").chatState, "paused");
    assert.equal(read("xep0085-standalone-inactive-with-thread.xml").chatState, "inactive");
    assert.equal(read("xep0085-standalone-gone-with-thread.xml").chatState, "gone");
    assert.deepEqual(read("xep0085-content-message-with-active.xml"), {
      id: "",
      type: "chat",
      thread: "act2scene2chat1",
      body: "Neither, fair saint, if either thee dislike.",
      chatState: "active",
    });
  });

  it("XEP-0071: the XHTML-IM body is kept as html next to the plain body", () => {
    const m = read("xep0071-simple-example.xml");
    assert.equal(m.body, "hi!");
    assert.match(
      m.html ?? "",
      /^<body xmlns="http:\/\/www.w3.org\/1999\/xhtml">\s*<p style="font-weight:bold">hi!<\/p>\s*<\/body>$/,
    );
  });

  it("XEP-0071 section 4: with no plain <body/>, the text comes from the XHTML", () => {
    const m = stanzaToChatMessage(
      parseStanza(
        `<message type="chat" id="h1"><html xmlns="http://jabber.org/protocol/xhtml-im"><body xmlns="http://www.w3.org/1999/xhtml"><p>a &amp; b</p></body></html></message>`,
      ),
    );
    assert.equal(m.body, "a & b");
  });
});

describe("stanzaToChatMessage on real client stanzas", () => {
  it("Gajim (ejabberd#4227): body, request, markable, origin-id and a MUC <x/> ignored", () => {
    assert.deepEqual(read("gajim-ejabberd-issue-4227-chat-request-markable.xml"), {
      id: "154755a4-121e-423a-9825-e7b0cf9ebf28",
      type: "chat",
      body: "Test message #10",
      wantsDelivered: true,
      wantsDisplayed: true,
    });
  });

  it("slidge via Movim (movim#1118): hints, delay, stanza-id ignored", () => {
    assert.deepEqual(read("slidge-movim-issue-1118-content.xml"), {
      id: "3096444928",
      type: "chat",
      body: "Sent to movim",
      chatState: "active",
      wantsDelivered: true,
      wantsDisplayed: true,
    });
  });

  it("Movim's receipt with no-store/no-copy hints; Gajim's displayed marker", () => {
    assert.equal(read("movim-issue-1118-receipt.xml").deliveredOf, "3096444928");
    assert.equal(read("gajim-displayed-marker.xml").displayedOf, "837ca35e-53ae-4684-bc63-f2068d188745");
  });

  it("groupchat (converse.js#1333, the XEP-0333 MUC example) is not-acceptable", () => {
    for (const f of ["conversejs-issue-1333-groupchat-request.xml", "xep0333-muc-displayed.xml"]) {
      assert.throws(
        () => read(f),
        (e: unknown) => e instanceof XmppMessageError && e.condition === "not-acceptable",
      );
    }
  });
});

describe("stanzaToChatMessage: rules and malformed stanzas", () => {
  it("XEP-0085 section 5.6: two chat states are a bad-request", () => {
    refused(
      "bad-request",
      "several-chat-states",
      `<message type="chat"><composing xmlns="${NS_CHATSTATES}"/><paused xmlns="${NS_CHATSTATES}"/></message>`,
    );
  });

  it("XEP-0333 section 6: a marker without id is a bad-request; so is a receipt with no id anywhere", () => {
    refused(
      "bad-request",
      "marker-without-id",
      `<message type="chat" id="a"><displayed xmlns="${NS_MARKERS}"/></message>`,
    );
    refused(
      "bad-request",
      "receipt-without-id",
      `<message type="chat"><received xmlns="${NS_RECEIPTS}"/></message>`,
    );
  });

  it("error stanzas and non-messages are refused; the error is a GatewayError", () => {
    refused("bad-request", "error-stanza", `<message type="error" id="x"><error type="cancel"/></message>`);
    assert.throws(() => stanzaToChatMessage(parseStanza(`<presence/>`)), GatewayError);
  });

  it("XEP-0184 section 5.4 / XEP-0333 section 5.3: a request inside an ack or marker is ignored", () => {
    const m = stanzaToChatMessage(
      parseStanza(
        `<message type="chat" id="a"><received xmlns="${NS_RECEIPTS}" id="b"/><request xmlns="${NS_RECEIPTS}"/><markable xmlns="${NS_MARKERS}"/></message>`,
      ),
    );
    assert.deepEqual(m, { id: "a", type: "chat", deliveredOf: "b" });
  });

  it("RFC 6121 5.2.2: an unknown type is normal; headline stays headline", () => {
    assert.equal(
      stanzaToChatMessage(parseStanza(`<message type="weird"><body>x</body></message>`)).type,
      "normal",
    );
    assert.equal(
      stanzaToChatMessage(parseStanza(`<message type="headline"><body>x</body></message>`)).type,
      "headline",
    );
  });

  it("RFC 6121 5.2.3: of several bodies, the one in the stanza's language (or without xml:lang)", () => {
    const m = stanzaToChatMessage(
      parseStanza(
        `<message xml:lang="en" type="chat"><body xml:lang="de">Hallo</body><body>Hello</body></message>`,
      ),
    );
    assert.equal(m.body, "Hello");
  });

  it("a <body/> in another namespace is not the body; unknown chat state elements are ignored", () => {
    const m = stanzaToChatMessage(
      parseStanza(
        `<message type="chat"><body xmlns="urn:other">no</body><thinking xmlns="${NS_CHATSTATES}"/></message>`,
      ),
    );
    assert.deepEqual(m, { id: "", type: "chat" });
  });

  it("an empty <thread/> is no thread", () => {
    assert.deepEqual(
      stanzaToChatMessage(parseStanza(`<message type="chat"><thread/><body>x</body></message>`)),
      {
        id: "",
        type: "chat",
        body: "x",
      },
    );
  });

  it("body text is kept exactly, markup-looking text included", () => {
    const m = stanzaToChatMessage(
      parseStanza(
        `<message type="chat"><body>&lt;/body&gt;&lt;body&gt; &amp;amp; ]]&gt; 😀</body></message>`,
      ),
    );
    assert.equal(m.body, "</body><body> &amp; ]]> 😀");
  });
});

const addr = { from: "bob@sip.example.com", to: "alice@example.com/phone" };

describe("chatMessageToStanza", () => {
  it("text: type chat, body, thread, <active/>, receipt request and markable", () => {
    const s = chatMessageToStanza(
      { id: "m1", type: "chat", body: "hi", thread: "t1", wantsDelivered: true, wantsDisplayed: true },
      addr,
    );
    assert.equal(
      s.toString(),
      '<message type="chat" from="bob@sip.example.com" to="alice@example.com/phone" id="m1"><thread>t1</thread><body>hi</body>' +
        `<active xmlns="${NS_CHATSTATES}"/><request xmlns="${NS_RECEIPTS}"/><markable xmlns="${NS_MARKERS}"/></message>`,
    );
  });

  it("type defaults to chat; no chat state on normal or headline (XEP-0085 section 5.4)", () => {
    assert.equal(chatMessageToStanza({ id: "m", body: "x" }, addr).attrs.type, "chat");
    const normal = chatMessageToStanza({ id: "m", type: "normal", body: "x" }, addr);
    assert.equal(normal.getChild("active", NS_CHATSTATES), undefined);
  });

  it("XEP-0184 / XEP-0333: no id, no request and no markable (and no id attribute)", () => {
    const s = chatMessageToStanza({ id: "", body: "hi", wantsDelivered: true, wantsDisplayed: true }, addr);
    assert.equal(s.attrs.id, undefined);
    assert.equal(s.getChild("request", NS_RECEIPTS), undefined);
    assert.equal(s.getChild("markable", NS_MARKERS), undefined);
  });

  it("a receipt request is only ever sent with a body (a receipt or a state never asks)", () => {
    for (const m of [
      { id: "r", deliveredOf: "m1", wantsDelivered: true },
      { id: "r", displayedOf: "m1", wantsDelivered: true },
      { id: "r", chatState: "composing", wantsDelivered: true },
    ] as ChatMessage[]) {
      assert.equal(chatMessageToStanza(m, addr).getChild("request", NS_RECEIPTS), undefined);
    }
  });

  it("delivered: a lone XEP-0184 <received id/> (section 7: only one child)", () => {
    const s = chatMessageToStanza({ id: "r1", type: "chat", deliveredOf: "m1", thread: "t" }, addr);
    assert.deepEqual(
      s.getChildElements().map((c) => `${c.name} ${c.getNS()} ${c.attrs.id}`),
      [`received ${NS_RECEIPTS} m1`],
    );
  });

  it("displayed: an XEP-0333 <displayed id/> with the thread (section 6)", () => {
    const s = chatMessageToStanza({ id: "r2", displayedOf: "m1", thread: "t" }, addr);
    assert.deepEqual(
      s.getChildElements().map((c) => c.name),
      ["thread", "displayed"],
    );
    assert.equal(s.getChild("displayed", NS_MARKERS)?.attrs.id, "m1");
  });

  it("chat state: a standalone notification, only the state and the thread (XEP-0085 section 5.6)", () => {
    const s = chatMessageToStanza({ id: "", chatState: "paused", thread: "t" }, addr);
    assert.deepEqual(
      s.getChildElements().map((c) => `${c.name} ${c.getNS() ?? ""}`),
      ["thread ", `paused ${NS_CHATSTATES}`],
    );
  });

  it("decision: no XEP-0334 <store/> hint on anything", () => {
    for (const m of [
      { id: "a", body: "x" },
      { id: "a", deliveredOf: "b" },
      { id: "a", displayedOf: "b" },
      { id: "a", chatState: "composing" },
    ] as ChatMessage[]) {
      assert.doesNotMatch(chatMessageToStanza(m, addr).toString(), /urn:xmpp:hints/);
    }
  });

  it("decision: html is not sent as XHTML-IM (the body carries the text)", () => {
    const s = chatMessageToStanza({ id: "a", body: "example", html: "<p>example</p>" }, addr);
    assert.equal(s.getChild("html"), undefined);
  });

  it("nothing to send is a RangeError (the bridge checks chatPayload first)", () => {
    assert.throws(() => chatMessageToStanza({ id: "a" }, addr), RangeError);
  });

  it("XML injection: text from SIP never becomes markup; forbidden characters never reach the stream", () => {
    const evil = "</body><body>pwned</body><![CDATA[ ]]> & \u0000\u001B \uD800 \uFFFF 😀";
    const s = overTheWire(
      chatMessageToStanza({ id: "a\"'<>&", body: evil, thread: "</thread>\u0001" }, addr),
    );
    assert.equal(s.getChildren("body").length, 1);
    assert.equal(
      s.getChildText("body"),
      "</body><body>pwned</body><![CDATA[ ]]> & \uFFFD\uFFFD \uFFFD \uFFFD 😀",
    );
    assert.equal(s.getChildText("thread"), "</thread>\uFFFD");
    assert.equal(s.attrs.id, "a\"'<>&");
  });
});
