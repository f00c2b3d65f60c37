import assert from "node:assert/strict";
import { describe, it } from "node:test";
import xml from "@xmpp/xml";
import { JingleError, isJingleError } from "../../../src/call/jingle-error.js";
import { jingleContentElements, parseJingleContents } from "../../../src/call/jingle.js";
import type { JingleSessionDescription } from "../../../src/call/jingle-model.js";
import { NS_JINGLE } from "../../../src/call/namespaces.js";
import { parseStanza } from "./call-fixtures.js";

const RTP = "urn:xmpp:jingle:apps:rtp:1";
const ICE = "urn:xmpp:jingle:transports:ice-udp:1";
const RAW = "urn:xmpp:jingle:transports:raw-udp:1";

/** A <jingle/> as it arrives, parsed from text. */
function jingle(inner: string) {
  return parseStanza(
    `<jingle xmlns='${NS_JINGLE}' action='session-initiate' sid='s1'>${inner}</jingle>`,
    "jabber:client",
  );
}

const candidate = (attrs: string) =>
  `<content name='a' creator='initiator'><transport xmlns='${ICE}' ufrag='abcd' pwd='0123456789abcdefghijkl'>` +
  `<candidate component='1' foundation='1' generation='0' id='c1' ip='192.0.2.1' network='0' port='4000' priority='2130706431' protocol='udp' type='host' ${attrs}/></transport></content>`;

function refused(inner: string, why: RegExp): void {
  assert.throws(
    () => parseJingleContents(jingle(inner)),
    (e: unknown) => e instanceof JingleError && isJingleError(e) && why.test(e.message),
  );
}

describe("parseJingleContents: XEP-0167 example and RAW-UDP", () => {
  it("reads the XEP-0167 section 5 initiation (static payload types without name or clockrate filled in)", () => {
    const d = parseJingleContents(
      jingle(
        `<content creator='initiator' name='voice'><description xmlns='${RTP}' media='audio'>` +
          `<payload-type id='96' name='speex' clockrate='16000' ptime='40'><parameter name='vbr' value='on'/></payload-type>` +
          `<payload-type id='18' name='G729'/><payload-type id='0'/></description>` +
          `<transport xmlns='${RAW}'><candidate component='1' generation='0' id='a9j3mnbtu1' ip='10.1.1.104' port='13540'/></transport></content>`,
      ),
    );
    const c = d.contents[0]!;
    assert.equal(c.senders, "both");
    assert.deepEqual(
      c.description?.payloads.map((p) => [p.id, p.name, p.clockrate, p.channels, p.ptime]),
      [
        [96, "speex", 16000, 1, 40],
        [18, "G729", 8000, 1, undefined],
        [0, "PCMU", 8000, 1, undefined],
      ],
    );
    assert.deepEqual(c.transport, {
      kind: "raw-udp",
      candidates: [{ id: "a9j3mnbtu1", component: 1, ip: "10.1.1.104", port: 13540, generation: 0 }],
    });
  });

  it("an unknown description or transport is left undefined for the bridge to reject", () => {
    const d = parseJingleContents(
      jingle(
        `<content creator='initiator' name='file' senders='initiator'><description xmlns='urn:xmpp:jingle:apps:file-transfer:5'/>` +
          `<transport xmlns='urn:xmpp:jingle:transports:s5b:1'/></content>`,
      ),
    );
    assert.deepEqual(d.contents, [{ name: "file", creator: "initiator", senders: "initiator" }]);
  });

  it("writes what it reads (XML -> model -> XML -> model)", () => {
    const d: JingleSessionDescription = parseJingleContents(
      jingle(candidate("rel-addr='10.0.0.1' rel-port='5000'")),
    );
    const again = parseJingleContents(
      parseStanza(
        xml("jingle", { xmlns: NS_JINGLE }, ...jingleContentElements(d)).toString(),
        "jabber:client",
      ),
    );
    assert.deepEqual(again, d);
    assert.equal(
      (d.contents[0]?.transport?.kind === "ice-udp" && d.contents[0].transport.candidates[0]?.relAddr) || "",
      "10.0.0.1",
    );
  });
});

describe("parseJingleContents: malformed input is a JingleError", () => {
  it("a content without a name", () => refused(`<content creator='initiator'/>`, /without a 'name'/));
  it("a content name SDP cannot carry", () => refused(`<content name='a b'/>`, /not an SDP token/));
  it("two contents with one name", () => refused(`<content name='a'/><content name='a'/>`, /two <content/));
  it("a bad creator or senders", () => {
    refused(`<content name='a' creator='someone'/>`, /creator/);
    refused(`<content name='a' senders='everybody'/>`, /senders/);
  });
  it("a description without media", () =>
    refused(`<content name='a'><description xmlns='${RTP}'/></content>`, /media/));

  for (const [id, why] of [
    ["300", /not 0-127/],
    ["128", /not 0-127/],
    ["-1", /not 0-127/],
    ["1.5", /not 0-127/],
    ["abc", /not 0-127/],
    ["", /not 0-127/],
  ] as const) {
    it(`a payload-type id '${id}'`, () =>
      refused(
        `<content name='a'><description xmlns='${RTP}' media='audio'><payload-type id='${id}' name='x' clockrate='8000'/></description></content>`,
        why,
      ));
  }

  it("a dynamic payload-type without name or clockrate", () => {
    const pt = (attrs: string) =>
      `<content name='a'><description xmlns='${RTP}' media='audio'><payload-type id='97' ${attrs}/></description></content>`;
    refused(pt("clockrate='8000'"), /name/);
    refused(pt("name='opus'"), /clockrate/);
    refused(pt("name='op/us' clockrate='8000'"), /name/);
    refused(pt("name='opus' clockrate='8000' channels='0'"), /channels/);
  });

  it("an fmtp parameter that would smuggle a second parameter or a line", () => {
    const param = (attrs: string) =>
      `<content name='a'><description xmlns='${RTP}' media='audio'><payload-type id='97' name='opus' clockrate='48000'><parameter ${attrs}/></payload-type></description></content>`;
    refused(param("name='a' value='1;b=2'"), /parameter/);
    refused(param("name='a' value='1&#13;&#10;a=evil'"), /parameter/);
    refused(param("name='a=b' value='1'"), /parameter/);
  });

  for (const [attrs, why] of [
    ["", undefined],
    ["port='70000'", /port/],
    ["ip='not-an-ip'", /ip/],
    ["ip='abc.local'", /ip/],
    ["component='0'", /component/],
    ["component='x'", /component/],
    ["type='bogus'", /type/],
    ["priority='99999999999'", /priority/],
    ["foundation='a b'", /foundation/],
  ] as const) {
    it(`a candidate with ${attrs || "valid attributes"}`, () => {
      const a = candidate("").replace(/ (\w+)='[^']*'(?=[^>]*\/><\/transport>)/g, (m, k: string) =>
        attrs.startsWith(`${k}=`) ? ` ${attrs}` : m,
      );
      if (why === undefined) assert.equal(parseJingleContents(jingle(a)).contents.length, 1);
      else refused(a, why);
    });
  }

  it("a RAW-UDP candidate with a bad port or address", () => {
    refused(
      `<content name='a'><transport xmlns='${RAW}'><candidate component='1' id='x' ip='192.0.2.1' port='70000'/></transport></content>`,
      /port/,
    );
    refused(
      `<content name='a'><transport xmlns='${RAW}'><candidate component='1' id='x' ip='example.com' port='1'/></transport></content>`,
      /ip/,
    );
  });

  it("ICE credentials or a fingerprint that are not what they claim", () => {
    refused(`<content name='a'><transport xmlns='${ICE}' ufrag='a b'/></content>`, /ufrag/);
    refused(`<content name='a'><transport xmlns='${ICE}' pwd='x&#10;a=evil'/></content>`, /pwd/);
    const fp = (attrs: string, text: string) =>
      `<content name='a'><transport xmlns='${ICE}'><fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' ${attrs}>${text}</fingerprint></transport></content>`;
    refused(fp("hash='sha-256' setup='actpass'", "not hex"), /hex/);
    refused(fp("hash='sha-256' setup='sometimes'", "AB:CD"), /setup/);
    refused(fp("setup='actpass'", "AB:CD"), /hash/);
  });

  it("not a <jingle/> element", () => {
    assert.throws(() => parseJingleContents(xml("jingle", { xmlns: "urn:xmpp:jingle:0" })), JingleError);
  });
});
