import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PidfError } from "../../../src/presence/pidf-error.js";
import { parsePidf } from "../../../src/presence/pidf.js";
import { fixture } from "./presence-fixtures.js";

const read = (name: string) => parsePidf(fixture(name));

/** Each fixture (test/fixtures/presence/README.md says where it comes from) parses to what it says. */
describe("parsePidf on real generators' documents", () => {
  it("liblinphone (sipp scenario in its tester): default namespace last, pidfonline extension", () => {
    assert.deepEqual(read("liblinphone-sipp-simple-publish.xml"), {
      entity: "sip:pauline@sip.example.org",
      tuples: [
        {
          id: "jjlson",
          basic: "open",
          contact: "sip:pauline@192.0.2.10:5062",
          contactPriority: 0.8,
          notes: [],
          timestamp: "2015-09-28T15:49:00Z",
          activities: [],
        },
      ],
      notes: [],
      persons: [],
      devices: [],
    });
  });

  it("liblinphone: an away activity in dm:person, the note in the tuple with xml:lang", () => {
    const d = read("liblinphone-away-with-note.xml");
    assert.deepEqual(d.tuples[0]?.notes, [{ text: "Back in five minutes", lang: "en" }]);
    assert.deepEqual(d.persons, [
      { id: "c0rk1d", activities: ["away"], activityNotes: [], notes: [], timestamp: "2024-03-05T09:12:40Z" },
    ]);
  });

  it("baresip: person before tuple, CRLF, empty activities; `unknown` basic is no basic", () => {
    const open = read("baresip-publisher-open.xml");
    assert.equal(open.tuples[0]?.basic, "open");
    assert.deepEqual(open.persons[0]?.activities, []);
    const unknown = read("baresip-publisher-unknown.xml");
    assert.equal(unknown.tuples.length, 1);
    assert.equal(unknown.tuples[0]?.basic, undefined);
  });

  it("Jitsi: person before tuple, note repeating the status name", () => {
    const d = read("jitsi-away.xml");
    assert.deepEqual(d.persons[0]?.activities, ["away"]);
    assert.deepEqual(d.tuples[0]?.notes, [{ text: "Away" }]);
  });

  it("Kamailio's dummy presence: a user name as entity, namespaces redeclared on children", () => {
    const d = read("kamailio-presence-xml-dummy-presence.xml");
    assert.equal(d.entity, "alice");
    assert.equal(d.tuples[0]?.id, "615293b33c62dec073e05d9421e9f48b");
    assert.deepEqual(d.notes, [{ text: "Available" }]);
    assert.deepEqual(d.persons, [
      { id: "1", activities: [], activityNotes: [], notes: [{ text: "Available" }] },
    ]);
  });

  it("Kamailio's unit test: single-quoted attributes, rpid:busy with a dm:note", () => {
    const d = read("kamailio-unit-test-publish-busy.xml");
    assert.equal(d.entity, "sip:alice@example.org");
    assert.deepEqual(d.persons[0]?.activities, ["busy"]);
    assert.deepEqual(d.persons[0]?.notes, [{ text: "Busy" }]);
  });

  it("Asterisk res_pjsip: the note before the tuple, priority 1, closed while in use", () => {
    const d = read("asterisk-res-pjsip-pidf-inuse.xml");
    assert.deepEqual(d.notes, [{ text: "On the phone" }]);
    assert.deepEqual(d.tuples[0], {
      id: "1000",
      basic: "closed",
      contact: "sip:2000@pbx.example.com",
      contactPriority: 1,
      notes: [],
      activities: [],
    });
  });

  it("Asterisk chan_sip: ISO-8859-1, draft pp:person/status/ep:activities, contact before status", () => {
    const d = read("asterisk-chan-sip-pidf-busy.xml");
    assert.equal(d.tuples[0]?.basic, "open");
    assert.equal(d.tuples[0]?.contact, "sip:2000@192.0.2.30");
    assert.deepEqual(d.persons, [{ id: "", activities: ["busy"], activityNotes: [], notes: [] }]);
  });

  it("Blink (python-sipsimple): extensions in the tuple, deviceID, a dm:device", () => {
    const d = read("blink-away.xml");
    const t = d.tuples[0];
    assert.equal(t?.deviceId, "6f1c2a9e-5b3d-4c7a-9e21-0d8b7f3a4c55");
    assert.equal(t?.timestamp, "2014-02-11T12:05:32.412135+01:00");
    assert.deepEqual(t?.notes, [{ text: "Out for lunch, back at 2" }]);
    assert.deepEqual(d.persons[0]?.activities, ["away"]);
    assert.deepEqual(d.devices, [
      {
        id: "DID-6f1c2a9e-5b3d-4c7a-9e21-0d8b7f3a4c55",
        deviceId: "6f1c2a9e-5b3d-4c7a-9e21-0d8b7f3a4c55",
        notes: [{ text: "Blink 1.0.0 (Linux) at carol-laptop" }],
        timestamp: "2014-02-11T12:05:32.412135+01:00",
      },
    ]);
  });

  it("Cisco CUP sample: spaces around values and '=', status last, a person in Cisco's namespace", () => {
    const d = read("cisco-cup-presence-web-service-available.xml");
    assert.deepEqual(d.tuples, [
      {
        id: "cisco-upc",
        basic: "open",
        contact: "sip:brmaguir@cisco.com",
        contactPriority: 0.6,
        notes: [],
        activities: [],
      },
    ]);
    assert.deepEqual(d.persons, []);
  });

  it("Cisco CUP sample: a <tuple> in Cisco's own namespace is not a PIDF tuple", () => {
    const d = read("cisco-cup-presence-web-service-multiple-tuples.xml");
    assert.deepEqual(
      d.tuples.map((t) => t.id),
      ["Jabbercup7"],
    );
  });

  it("Cisco sipcc: activities in Cisco's RPID namespace, a person without id", () => {
    const d = read("cisco-sipcc-available.xml");
    assert.deepEqual(d.persons, [{ id: "", activities: ["available"], activityNotes: [], notes: [] }]);
  });

  it("IMSDroid's OMA test document: no tuple, two persons with the same id, a device", () => {
    const d = read("imsdroid-test-pidf-oma-no-tuple.xml");
    assert.deepEqual(d.tuples, []);
    assert.deepEqual(
      d.persons.map((p) => [p.id, p.activities]),
      [
        ["FPNZFGON", ["onthephone"]],
        ["FPNZFGON", ["busy"]],
      ],
    );
    assert.deepEqual(d.devices, [{ id: "d1983", notes: [], timestamp: "2010-07-16T01:08:55Z" }]);
  });

  it("RFC 3863's example: two tuples, notes in two languages, extensions in the status", () => {
    const d = read("rfc3863-example-via-imsdroid-test-pidf.xml");
    assert.equal(d.entity, "pres:someone@example.com");
    assert.deepEqual(
      d.tuples.map((t) => [t.id, t.basic, t.contactPriority]),
      [
        ["bs35r9", "open", 0.8],
        ["eg92n8", "closed", 1],
      ],
    );
    assert.deepEqual(d.tuples[0]?.notes, [
      { text: "Don't Disturb Please!", lang: "en" },
      { text: "Ne derangez pas, s'il vous plait", lang: "fr" },
    ]);
    assert.deepEqual(d.notes, [{ text: "I'll be in Tokyo next week" }]);
  });

  it("linphone 3.x: draft activities (<es:activity>text</es:activity>) inside the tuple's status", () => {
    assert.deepEqual(read("linphone-3-rpid-status-on-the-phone.xml").tuples[0]?.activities, ["on-the-phone"]);
  });

  it("linphone 3.x offline: its mismatched end tag is refused, not guessed at", () => {
    assert.throws(
      () => read("linphone-3-offline-mismatched-end-tag.xml"),
      (e: unknown) =>
        e instanceof PidfError && e.reason === "malformed-xml" && /does not match/.test(e.message),
    );
  });
});
