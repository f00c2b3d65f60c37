import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePidf } from "../../../src/presence/pidf.js";
import { pidfToPresenceState } from "../../../src/presence/pidf-to-xmpp.js";
import type { PresenceState } from "../../../src/presence/presence-model.js";
import { presenceStanzaToState, stateToPresenceStanza } from "../../../src/presence/xmpp-presence.js";
import { tupleIdForResource, xmppPresenceToPidf } from "../../../src/presence/xmpp-to-pidf.js";
import { fixture, parseStanza } from "./presence-fixtures.js";

const read = (xml: string, streamNs?: string) => presenceStanzaToState(parseStanza(xml, streamNs));

describe("presenceStanzaToState", () => {
  it("available with show, status and priority (RFC 6121 4.7.2)", () => {
    assert.deepEqual(
      read(
        `<presence from="romeo@example.net/orchard"><show>dnd</show><status>Wooing Juliet</status><priority>1</priority></presence>`,
      ),
      { available: true, show: "dnd", status: "Wooing Juliet", priority: 1 },
    );
    assert.deepEqual(read(`<presence/>`), { available: true });
    for (const show of ["away", "chat", "dnd", "xa"]) {
      assert.equal(read(`<presence><show>${show}</show></presence>`)?.show, show);
    }
  });

  it("also on a client stream (jabber:client) and with the children's namespace checked", () => {
    assert.deepEqual(read(`<presence><show>away</show></presence>`, "jabber:client"), {
      available: true,
      show: "away",
    });
    assert.deepEqual(read(`<presence><show xmlns="urn:example:other">away</show></presence>`), {
      available: true,
    });
  });

  it("unavailable keeps its status only", () => {
    assert.deepEqual(read(`<presence type="unavailable"><show>away</show><status>bye</status></presence>`), {
      available: false,
      status: "bye",
    });
    assert.deepEqual(read(`<presence type="unavailable"/>`), { available: false });
  });

  it("subscription management, probes and errors are not availability", () => {
    for (const type of ["subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe", "error"]) {
      assert.equal(read(`<presence type="${type}"/>`), undefined, type);
    }
  });

  it("an unknown show is plain available; an unreadable or out-of-range priority is absent", () => {
    assert.deepEqual(read(`<presence><show>busy</show></presence>`), { available: true });
    for (const p of ["128", "-129", "1.5", "high", ""]) {
      assert.equal(read(`<presence><priority>${p}</priority></presence>`)?.priority, undefined, p);
    }
    assert.equal(read(`<presence><priority>-128</priority></presence>`)?.priority, -128);
    assert.equal(read(`<presence><priority> +7 </priority></presence>`)?.priority, 7);
  });

  it("several statuses: the one without xml:lang, or in the stanza's language, else the first", () => {
    const cs = `<status xml:lang="cs">Dvořím se Julii</status>`;
    assert.equal(read(`<presence><status xml:lang="en">Wooing</status>${cs}</presence>`)?.status, "Wooing");
    assert.equal(
      read(`<presence xml:lang="cs"><status xml:lang="en">Wooing</status>${cs}</presence>`)?.status,
      "Dvořím se Julii",
    );
    assert.equal(read(`<presence>${cs}<status>plain</status></presence>`)?.status, "plain");
    assert.equal(read(`<presence><status>  </status></presence>`)?.status, undefined);
  });

  it("anything but a <presence/> is a misuse", () => {
    assert.throws(() => presenceStanzaToState(parseStanza(`<message><body>hi</body></message>`)), RangeError);
  });
});

describe("tupleIdForResource", () => {
  const XML_ID = /^[A-Za-z_][A-Za-z0-9._-]*$/;

  it("plain resources stay readable, the rest is encoded; every id is an XML ID", () => {
    assert.equal(tupleIdForResource("balcony"), "r-balcony");
    assert.equal(tupleIdForResource("Gajim.A1B2"), `rx.${Buffer.from("Gajim.A1B2").toString("base64url")}`);
    for (const r of ["", "with space", "a/b", "Conversations.x9Y_", "日本語", "😀", "x".repeat(65), "-"]) {
      assert.match(tupleIdForResource(r), XML_ID, JSON.stringify(r));
    }
  });

  it("no two resources share an id, and none is the person's 'p'", () => {
    const resources = ["abc", "r-abc", "rx.abc", "", " ", "ABC", "p", "a b", "a_b", "a-b"];
    const ids = resources.map(tupleIdForResource);
    assert.equal(new Set(ids).size, resources.length);
    assert.ok(!ids.includes("p"));
  });
});

describe("xmppPresenceToPidf", () => {
  it("one tuple per resource; the person speaks for the most available one", () => {
    const text = xmppPresenceToPidf("pres:juliet@example.com", [
      { resource: "balcony", state: { available: true, show: "away", status: "retired to the chamber" } },
      {
        resource: "chamber phone",
        state: { available: true, show: "dnd", priority: 1 },
        contact: "sip:juliet@gw",
      },
    ]);
    const d = parsePidf(text);
    assert.deepEqual(
      d.tuples.map((t) => [t.id, t.basic]),
      [
        ["r-balcony", "open"],
        [tupleIdForResource("chamber phone"), "open"],
      ],
    );
    assert.deepEqual(d.persons[0]?.activities, ["away"]);
    // Back on the XMPP side the person's show and note win; the tuples only carry open/closed and the
    // contact priority (RPID has activities for persons, not tuples), so the priority is the phone's.
    assert.deepEqual(pidfToPresenceState(d), {
      available: true,
      show: "away",
      status: "retired to the chamber",
      priority: 1,
    });
  });

  it("no resource: one closed tuple for the bare JID", () => {
    const d = parsePidf(xmppPresenceToPidf("pres:juliet@example.com", []));
    assert.deepEqual(
      d.tuples.map((t) => [t.id, t.basic]),
      [[tupleIdForResource(""), "closed"]],
    );
    assert.deepEqual(pidfToPresenceState(d), { available: false });
  });
});

describe("round trips", () => {
  const addr = { from: "juliet@example.com/balcony", to: "sip.gw.example" };

  it("XMPP -> PIDF -> XMPP keeps availability, away, dnd, status, priority and Unicode", () => {
    const stanzas = [
      `<presence/>`,
      `<presence><show>away</show><status>back in 5 — 5分で戻ります</status></presence>`,
      `<presence><show>dnd</show><status>&lt;meeting&gt; &amp; "lunch"</status><priority>42</priority></presence>`,
      `<presence type="unavailable"><status>gone 😴</status></presence>`,
    ];
    for (const s of stanzas) {
      const before = read(s);
      assert.ok(before);
      const pidf = xmppPresenceToPidf("pres:juliet@example.com", [
        { resource: "balcony", state: before, contact: "sip:j@gw" },
      ]);
      const after = pidfToPresenceState(parsePidf(pidf));
      assert.deepEqual(after, before, s);
      assert.deepEqual(
        presenceStanzaToState(parseStanza(stateToPresenceStanza(after, addr).toString())),
        before,
        s,
      );
    }
  });

  it("what XMPP says and RPID cannot is lost as documented: chat -> available, xa -> away", () => {
    const through = (state: PresenceState) =>
      pidfToPresenceState(parsePidf(xmppPresenceToPidf("pres:j@example.com", [{ resource: "r", state }])));
    assert.deepEqual(through({ available: true, show: "chat" }), { available: true });
    assert.deepEqual(through({ available: true, show: "xa" }), { available: true, show: "away" });
  });

  it("SIP -> XMPP -> SIP -> XMPP is stable for each fixture", () => {
    for (const name of [
      "jitsi-away.xml",
      "kamailio-unit-test-publish-busy.xml",
      "blink-away.xml",
      "asterisk-res-pjsip-pidf-inuse.xml",
    ]) {
      const first = pidfToPresenceState(parsePidf(fixture(name)));
      const stanza = stateToPresenceStanza(first, addr);
      const back = presenceStanzaToState(parseStanza(stanza.toString()));
      assert.ok(back);
      const again = pidfToPresenceState(
        parsePidf(xmppPresenceToPidf("sip:x@example.com", [{ resource: "sip", state: back }])),
      );
      assert.deepEqual(again, first, name);
    }
  });
});
