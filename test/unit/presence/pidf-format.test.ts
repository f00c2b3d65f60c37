import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PIDF_PERSON_ID, formatPidf, parsePidf } from "../../../src/presence/pidf.js";
import { pidfToPresenceState } from "../../../src/presence/pidf-to-xmpp.js";
import type { PresenceState, ResourcePresence } from "../../../src/presence/presence-model.js";

const one = (state: PresenceState, contact?: string): ResourcePresence[] => [
  { id: "r-home", state, contact },
];

describe("formatPidf", () => {
  it("writes a PIDF+RPID document: tuple, contact with priority, note, person with activity and note", () => {
    const text = formatPidf(
      "pres:juliet@example.com",
      one(
        { available: true, show: "away", status: "retired to the chamber", priority: 127 },
        "sip:juliet@gw.example.com",
      ),
    );
    assert.equal(
      text,
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" ' +
        'xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="pres:juliet@example.com">' +
        '<tuple id="r-home"><status><basic>open</basic></status>' +
        '<contact priority="1">sip:juliet@gw.example.com</contact><note>retired to the chamber</note></tuple>' +
        '<dm:person id="p"><rpid:activities><rpid:away/></rpid:activities><dm:note>retired to the chamber</dm:note></dm:person>' +
        "</presence>",
    );
  });

  it("show -> RPID activity: away and xa -> away, dnd -> busy, chat and none -> no person", () => {
    const activity = (state: PresenceState) =>
      /<rpid:activities><rpid:([a-z-]+)\/>/.exec(formatPidf("sip:a@b", one(state)))?.[1];
    assert.equal(activity({ available: true, show: "away" }), "away");
    assert.equal(activity({ available: true, show: "xa" }), "away");
    assert.equal(activity({ available: true, show: "dnd" }), "busy");
    assert.equal(activity({ available: true, show: "chat" }), undefined);
    assert.doesNotMatch(formatPidf("sip:a@b", one({ available: true })), /dm:person/);
    assert.doesNotMatch(formatPidf("sip:a@b", one({ available: true, show: "chat" })), /dm:person/);
  });

  it("unavailable: basic closed, the status as tuple note, no person, no activity", () => {
    const text = formatPidf("sip:a@b", one({ available: false, status: "gone home" }));
    assert.match(text, /<basic>closed<\/basic><\/status><note>gone home<\/note>/);
    assert.doesNotMatch(text, /person|activities/);
  });

  it("the person follows the most available tuple", () => {
    const text = formatPidf("sip:a@b", [
      { id: "r-phone", state: { available: true, show: "dnd", status: "in a call" } },
      { id: "r-laptop", state: { available: true, show: "away", status: "lunch" } },
      { id: "r-old", state: { available: false } },
    ]);
    assert.match(
      text,
      /<dm:person id="p"><rpid:activities><rpid:away\/><\/rpid:activities><dm:note>lunch<\/dm:note>/,
    );
    assert.equal((text.match(/<tuple /g) ?? []).length, 3);
  });

  it("notes are escaped (markup, quotes, ]]>) and come back as written", () => {
    const status = `<b>Tom & "Jerry"</b> 'n ]]> <!-- --> &amp;`;
    const text = formatPidf('sip:a"b@example.com', one({ available: true, status }));
    assert.doesNotMatch(text, /<b>|<!--/);
    const d = parsePidf(text);
    assert.equal(d.entity, 'sip:a"b@example.com');
    assert.equal(d.tuples[0]?.notes[0]?.text, status);
    assert.equal(d.persons[0]?.notes[0]?.text, status);
  });

  it("Unicode survives, characters XML forbids become U+FFFD", () => {
    const status = "Ich bin im Café ☕ — 会議中 — في اجتماع 😀";
    assert.equal(
      parsePidf(formatPidf("sip:a@b", one({ available: true, status }))).tuples[0]?.notes[0]?.text,
      status,
    );
    const bad = parsePidf(formatPidf("sip:a@b", one({ available: true, status: "a\u0001b\uD800c" })));
    assert.equal(bad.tuples[0]?.notes[0]?.text, "a\uFFFDb\uFFFDc");
  });

  it("XMPP priority becomes the contact's qvalue (only where there is a contact)", () => {
    const q = (priority: number) =>
      /priority="([^"]*)"/.exec(formatPidf("sip:a@b", one({ available: true, priority }, "sip:x@y")))?.[1];
    assert.equal(q(0), "0");
    assert.equal(q(-5), "0");
    assert.equal(q(127), "1");
    assert.equal(q(64), "0.504");
    assert.doesNotMatch(formatPidf("sip:a@b", one({ available: true, priority: 5 })), /contact/);
  });

  it("a timestamp, when given, in every tuple and the person", () => {
    const text = formatPidf("sip:a@b", one({ available: true, show: "dnd" }), {
      timestamp: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)),
    });
    assert.match(text, /<timestamp>2025-01-02T03:04:05.000Z<\/timestamp><\/tuple>/);
    assert.match(text, /<dm:timestamp>2025-01-02T03:04:05.000Z<\/dm:timestamp><\/dm:person>/);
  });

  it("refuses what would make an invalid document", () => {
    assert.throws(() => formatPidf("", one({ available: true })), RangeError);
    assert.throws(() => formatPidf("sip:a@b", [{ id: "1abc", state: { available: true } }]), /not an XML ID/);
    assert.throws(() => formatPidf("sip:a@b", [{ id: "a b", state: { available: true } }]), /not an XML ID/);
    assert.throws(
      () => formatPidf("sip:a@b", [{ id: PIDF_PERSON_ID, state: { available: true, show: "dnd" } }]),
      /not unique/,
    );
    assert.throws(
      () =>
        formatPidf("sip:a@b", [
          { id: "t", state: { available: true } },
          { id: "t", state: { available: false } },
        ]),
      /not unique/,
    );
  });

  it("its own output parses back to the same state", () => {
    for (const state of [
      { available: true },
      { available: true, show: "away", status: "back soon", priority: 10 },
      { available: true, show: "dnd", status: "do not disturb", priority: 0 },
      { available: false, status: "offline" },
      { available: false },
    ] satisfies PresenceState[]) {
      assert.deepEqual(pidfToPresenceState(parsePidf(formatPidf("sip:a@b", one(state, "sip:a@gw")))), state);
    }
  });

  it("baresip's string match finds the activities it looks for", () => {
    // baresip modules/presence/subscriber.c: re_regex(... "<rpid:away/>") and "<rpid:busy/>".
    assert.ok(formatPidf("sip:a@b", one({ available: true, show: "away" })).includes("<rpid:away/>"));
    assert.ok(formatPidf("sip:a@b", one({ available: true, show: "dnd" })).includes("<rpid:busy/>"));
  });
});
