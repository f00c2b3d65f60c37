import assert from "node:assert/strict";
import { describe, it } from "node:test";
import xml from "@xmpp/xml";
import { parsePidf } from "../../../src/presence/pidf.js";
import { pidfToPresenceState } from "../../../src/presence/pidf-to-xmpp.js";
import type { PresenceState } from "../../../src/presence/presence-model.js";
import {
  activityForShow,
  isKnownActivity,
  showForActivities,
} from "../../../src/presence/rpid-activities.js";
import { stateToPresenceStanza } from "../../../src/presence/xmpp-presence.js";
import { fixture } from "./presence-fixtures.js";

const PIDF = "urn:ietf:params:xml:ns:pidf";
const NS = `xmlns="${PIDF}" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"`;

const state = (name: string) => pidfToPresenceState(parsePidf(fixture(name)));
const fromXml = (inner: string) =>
  pidfToPresenceState(parsePidf(`<presence ${NS} entity="sip:a@example.com">${inner}</presence>`));
const tuple = (id: string, basic: string, extra = "") =>
  `<tuple id="${id}"><status><basic>${basic}</basic></status>${extra}</tuple>`;
const person = (activities: string[], extra = "") =>
  `<dm:person id="p"><rpid:activities>${activities.map((a) => `<rpid:${a}/>`).join("")}</rpid:activities>${extra}</dm:person>`;

describe("pidfToPresenceState on the fixtures", () => {
  const expected: Array<[string, PresenceState]> = [
    ["liblinphone-sipp-simple-publish.xml", { available: true, priority: 102 }],
    [
      "liblinphone-away-with-note.xml",
      { available: true, show: "away", status: "Back in five minutes", priority: 102 },
    ],
    ["baresip-publisher-open.xml", { available: true }],
    ["baresip-publisher-unknown.xml", { available: false }],
    ["jitsi-away.xml", { available: true, show: "away", status: "Away" }],
    ["kamailio-presence-xml-dummy-presence.xml", { available: true, status: "Available" }],
    ["kamailio-unit-test-publish-busy.xml", { available: true, show: "dnd", status: "Busy" }],
    ["asterisk-res-pjsip-pidf-inuse.xml", { available: false, status: "On the phone" }],
    [
      "asterisk-chan-sip-pidf-busy.xml",
      { available: true, show: "dnd", status: "On the phone", priority: 127 },
    ],
    ["blink-away.xml", { available: true, show: "away", status: "Out for lunch, back at 2" }],
    ["cisco-cup-presence-web-service-available.xml", { available: true, priority: 76 }],
    ["cisco-cup-presence-web-service-multiple-tuples.xml", { available: true }],
    ["cisco-sipcc-available.xml", { available: true }],
    ["imsdroid-test-pidf-oma-no-tuple.xml", { available: false, status: "Hello world" }],
    [
      "rfc3863-example-via-imsdroid-test-pidf.xml",
      { available: true, status: "Don't Disturb Please!", priority: 102 },
    ],
    [
      "linphone-3-rpid-status-on-the-phone.xml",
      { available: true, show: "dnd", status: "on the phone", priority: 102 },
    ],
  ];
  for (const [name, want] of expected) {
    it(name, () => assert.deepEqual(state(name), want));
  }
});

describe("RPID activities -> show (docs/presence.md, 'Activities and show')", () => {
  const table: Record<string, PresenceState["show"]> = {
    away: "away",
    appointment: "dnd",
    busy: "dnd",
    meeting: "dnd",
    "on-the-phone": "dnd",
    performance: "dnd",
    presentation: "dnd",
    steering: "dnd",
    worship: "dnd",
    breakfast: "away",
    dinner: "away",
    meal: "away",
    shopping: "away",
    "in-transit": "away",
    playing: "away",
    spectator: "away",
    tv: "away",
    holiday: "xa",
    vacation: "xa",
    sleeping: "xa",
    travel: "xa",
    "permanent-absence": "xa",
    "looking-for-work": undefined,
    working: undefined,
    unknown: undefined,
  };

  for (const [activity, show] of Object.entries(table)) {
    it(`<rpid:${activity}/> -> ${show ?? "no show"}`, () => {
      assert.equal(isKnownActivity(activity), true);
      assert.deepEqual(
        fromXml(tuple("t", "open") + person([activity])),
        show ? { available: true, show } : { available: true },
      );
    });
  }

  it("several activities: the least reachable wins (dnd > xa > away)", () => {
    assert.equal(showForActivities(["meal", "on-the-phone"]), "dnd");
    assert.equal(showForActivities(["travel", "meal"]), "xa");
    assert.equal(showForActivities(["working", "tv"]), "away");
    assert.equal(showForActivities(["working", "other"]), undefined);
    assert.equal(showForActivities(["some-extension"]), undefined);
    assert.equal(showForActivities(["Busy"]), "dnd");
  });

  it("show -> activity, the other way", () => {
    assert.equal(activityForShow("away"), "away");
    assert.equal(activityForShow("xa"), "away");
    assert.equal(activityForShow("dnd"), "busy");
    assert.equal(activityForShow("chat"), undefined);
    assert.equal(activityForShow(undefined), undefined);
  });

  it("<rpid:other>available</rpid:other> (Blink) says nothing; Cisco's <ce:dnd/> is dnd", () => {
    assert.deepEqual(
      fromXml(
        tuple("t", "open") +
          `<dm:person id="p"><rpid:activities><rpid:other>available</rpid:other></rpid:activities></dm:person>`,
      ),
      { available: true },
    );
    const cisco =
      `<dm:person xmlns:e="urn:ietf:params:xml:ns:pidf:status:rpid" xmlns:ce="urn:cisco:params:xml:ns:pidf:rpid">` +
      `<e:activities><e:on-the-phone/><ce:dnd/></e:activities></dm:person>`;
    assert.deepEqual(fromXml(tuple("t", "open") + cisco), { available: true, show: "dnd" });
  });
});

describe("pidfToPresenceState: several tuples, persons and notes", () => {
  it("available when any tuple is open; closed and basic-less tuples do not count", () => {
    assert.deepEqual(fromXml(tuple("a", "closed") + tuple("b", "open")), { available: true });
    assert.deepEqual(fromXml(tuple("a", "closed") + tuple("b", "closed")), { available: false });
    assert.deepEqual(fromXml(tuple("a", "maybe")), { available: false });
    assert.deepEqual(fromXml(""), { available: false });
  });

  it("the most available open tuple gives show and status; ties go to the higher contact priority", () => {
    const busy = `<status><basic>open</basic><rpid:activities><rpid:busy/></rpid:activities></status>`;
    assert.deepEqual(
      fromXml(
        `<tuple id="a">${busy}<note>phone busy</note></tuple>` + tuple("b", "open", "<note>at desk</note>"),
      ),
      { available: true, status: "at desk" },
    );
    assert.deepEqual(
      fromXml(
        tuple("a", "open", `<contact priority="0.2">sip:a@x</contact><note>low</note>`) +
          tuple("b", "open", `<contact priority="0.9">sip:b@x</contact><note>high</note>`),
      ),
      { available: true, status: "high", priority: 114 },
    );
    assert.deepEqual(
      fromXml(tuple("a", "open", "<note>first</note>") + tuple("b", "open", "<note>second</note>")),
      {
        available: true,
        status: "first",
      },
    );
  });

  it("person activities decide the show over the tuple's; person notes come before tuple notes", () => {
    assert.deepEqual(
      fromXml(tuple("t", "open", "<note>tuple</note>") + person(["vacation"], "<dm:note>person</dm:note>")),
      {
        available: true,
        show: "xa",
        status: "person",
      },
    );
    const activityNote = `<dm:person id="p"><rpid:activities><rpid:note>till 3</rpid:note><rpid:meeting/></rpid:activities></dm:person>`;
    assert.deepEqual(fromXml(tuple("t", "open", "<note>tuple</note>") + activityNote), {
      available: true,
      show: "dnd",
      status: "till 3",
    });
    assert.deepEqual(fromXml(tuple("t", "open") + "<note>document</note>"), {
      available: true,
      status: "document",
    });
  });

  it("unavailable keeps a status but drops show and priority", () => {
    assert.deepEqual(
      fromXml(
        tuple("t", "closed", `<contact priority="1">sip:x@y</contact><note>gone</note>`) + person(["busy"]),
      ),
      { available: false, status: "gone" },
    );
  });
});

describe("stateToPresenceStanza", () => {
  const addr = { from: "alice%example.org@sip.gw.example", to: "romeo@example.net" };

  it("available with show, status, priority", () => {
    assert.equal(
      stateToPresenceStanza(
        { available: true, show: "dnd", status: "On the phone", priority: 5 },
        addr,
      ).toString(),
      '<presence from="alice%example.org@sip.gw.example" to="romeo@example.net"><show>dnd</show><status>On the phone</status><priority>5</priority></presence>',
    );
    assert.equal(
      stateToPresenceStanza({ available: true }, addr).toString(),
      '<presence from="alice%example.org@sip.gw.example" to="romeo@example.net"/>',
    );
  });

  it("available presence carries the XEP-0115 <c/> it is given; unavailable does not", () => {
    const caps = () =>
      xml("c", { xmlns: "http://jabber.org/protocol/caps", hash: "sha-1", node: "n", ver: "v" });
    const on = stateToPresenceStanza({ available: true }, addr, caps());
    assert.equal(on.getChild("c", "http://jabber.org/protocol/caps")?.attrs.ver, "v");
    const off = stateToPresenceStanza({ available: false }, addr, caps());
    assert.equal(off.getChild("c"), undefined);
  });

  it("unavailable: type and status only", () => {
    assert.equal(
      stateToPresenceStanza(
        { available: false, show: "away", status: "Unavailable", priority: 3 },
        addr,
      ).toString(),
      '<presence from="alice%example.org@sip.gw.example" to="romeo@example.net" type="unavailable"><status>Unavailable</status></presence>',
    );
  });

  it("status text is escaped and made XML-safe; the priority is clamped to -128..127", () => {
    const el = stateToPresenceStanza({ available: true, status: "<b>&\u0002", priority: 900 }, addr);
    assert.match(el.toString(), /<status>&lt;b&gt;&amp;\uFFFD<\/status><priority>127<\/priority>/);
  });

  it("from a fixture: Asterisk chan_sip busy becomes <show>dnd</show> with its note", () => {
    const el = stateToPresenceStanza(state("asterisk-chan-sip-pidf-busy.xml"), addr);
    assert.equal(el.getChildText("show"), "dnd");
    assert.equal(el.getChildText("status"), "On the phone");
  });
});
