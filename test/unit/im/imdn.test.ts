import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpimContentHeader, parseCpim } from "../../../src/im/codec/cpim.js";
import {
  formatDispositionNotification,
  formatImdn,
  parseDispositionNotification,
  parseImdn,
} from "../../../src/im/codec/imdn.js";
import { SipBodyError } from "../../../src/im/codec/sip-body-error.js";
import { fixture, fixtureText } from "./im-fixtures.js";

const cpimContent = (name: string) => {
  const msg = parseCpim(fixture(name));
  assert.equal(cpimContentHeader(msg, "Content-Type"), "message/imdn+xml");
  return Buffer.from(msg.content).toString("utf8");
};

function malformed(text: string, reason: string): void {
  assert.throws(
    () => parseImdn(text),
    (e: unknown) => e instanceof SipBodyError && e.status === 400 && e.reason === reason,
  );
}

describe("parseImdn", () => {
  it("RFC 5438 delivery notification (in CPIM, pretty-printed, attribute-free)", () => {
    assert.deepEqual(parseImdn(cpimContent("rfc5438-delivery-notification.cpim")), {
      messageId: "34jk324j",
      dateTime: "2008-04-04T12:16:49-05:00",
      recipientUri: "im:bob@example.com",
      originalRecipientUri: "im:bob@example.com",
      kind: "delivery",
      status: "delivered",
    });
  });

  it("RFC 5438 display notification", () => {
    const n = parseImdn(cpimContent("rfc5438-display-notification.cpim"));
    assert.equal(n.kind, "display");
    assert.equal(n.status, "displayed");
  });

  it("liblinphone's delivered notifications, as captured (linphone-desktop#619, linphone-iphone#822)", () => {
    assert.deepEqual(parseImdn(fixtureText("liblinphone-imdn-delivered-linphone-desktop-issue-619.xml")), {
      messageId: "56056507-217d-4ee6-9cb8-e9efc87d821a",
      dateTime: "2022-02-19T09:27:26Z",
      recipientUri: undefined,
      originalRecipientUri: undefined,
      kind: "delivery",
      status: "delivered",
    });
    assert.equal(
      parseImdn(fixtureText("liblinphone-imdn-delivered-linphone-iphone-issue-822.xml")).messageId,
      "af89ee34-c23f-4324-b3b9-ba672cfaa114",
    );
  });

  it("liblinphone's failed notification: its <imdn:reason> (another namespace, same prefix) is skipped", () => {
    const n = parseImdn(fixtureText("liblinphone-imdn-failed-with-linphone-reason.xml"));
    assert.equal(n.status, "failed");
    assert.equal(n.messageId, "HjFsonRLpkim");
  });

  it("every status of every kind", () => {
    for (const [kind, status] of [
      ["delivery", "error"],
      ["delivery", "forbidden"],
      ["display", "error"],
      ["processing", "processed"],
      ["processing", "stored"],
    ] as const) {
      assert.deepEqual(
        [
          parseImdn(formatImdn({ messageId: "x", kind, status })).kind,
          parseImdn(formatImdn({ messageId: "x", kind, status })).status,
        ],
        [kind, status],
      );
    }
  });

  it("message-id is an xs:token: surrounding white space is not part of it", () => {
    const n = parseImdn(
      `<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>\n  abc  \n</message-id><display-notification><status><displayed/></status></display-notification></imdn>`,
    );
    assert.equal(n.messageId, "abc");
  });

  it("400 for a wrong root, no message-id, no notification, no status", () => {
    malformed(fixtureText("liblinphone-iscomposing-active.xml"), "not-imdn");
    malformed(`<imdn><message-id>a</message-id></imdn>`, "not-imdn");
    malformed(
      `<imdn xmlns="urn:ietf:params:xml:ns:imdn"><delivery-notification><status><delivered/></status></delivery-notification></imdn>`,
      "imdn-without-message-id",
    );
    malformed(
      `<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>a</message-id></imdn>`,
      "imdn-without-notification",
    );
    malformed(
      `<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>a</message-id><delivery-notification/></imdn>`,
      "imdn-without-status",
    );
  });
});

describe("formatImdn", () => {
  it("writes what liblinphone writes, minus its standalone attribute", () => {
    assert.equal(
      formatImdn({
        messageId: "56056507-217d-4ee6-9cb8-e9efc87d821a",
        dateTime: "2022-02-19T09:27:26Z",
        kind: "delivery",
        status: "delivered",
      }),
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        fixtureText("liblinphone-imdn-delivered-linphone-desktop-issue-619.xml").replace(/^<\?xml[^>]*>/, ""),
    );
  });

  it("escapes a message-id that looks like markup", () => {
    const out = formatImdn({ messageId: "</message-id><x>", kind: "display", status: "displayed" });
    assert.equal(parseImdn(out).messageId, "</message-id><x>");
  });
});

describe("Disposition-Notification values", () => {
  it("parse: comma-separated, any case, spaces, unknown values ignored", () => {
    assert.deepEqual(parseDispositionNotification("Positive-Delivery ,display, frobnicate"), {
      positiveDelivery: true,
      negativeDelivery: false,
      display: true,
      processing: false,
    });
    assert.deepEqual(parseDispositionNotification(undefined), {
      positiveDelivery: false,
      negativeDelivery: false,
      display: false,
      processing: false,
    });
  });

  it("format: nothing asked is no header", () => {
    assert.equal(
      formatDispositionNotification({ positiveDelivery: true, display: true }),
      "positive-delivery, display",
    );
    assert.equal(formatDispositionNotification({ display: true }), "display");
    assert.equal(formatDispositionNotification({}), undefined);
  });
});
