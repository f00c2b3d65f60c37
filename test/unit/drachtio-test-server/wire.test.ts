/** Framing and tokenising of the admin protocol, on the exact messages of the reference transcript. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFrame, FrameDecoder, parseAdminMessage, WireError } from "../../support/drachtio/wire.js";
import { referenceScenarios } from "./harness.js";
import { compareShapes } from "./shape.js";

const all = [...referenceScenarios().values()].flat();

/** drachtio-srf's own tokenising (drachtio-agent.js _onMsg): leader up to the first CR, split on `|`. */
function srfTokens(msg: string): { token: string[]; rawMsg: string } {
  const pos = msg.indexOf("\r");
  const leader = pos === -1 ? msg : msg.slice(0, pos);
  return { token: leader.split("|"), rawMsg: pos === -1 ? "" : msg.slice(pos + 2) };
}

describe("admin protocol framing", () => {
  it("frames each reference message as <byte length>#<text>", () => {
    assert.equal(all.length, 55);
    for (const { msg } of all) {
      const frame = encodeFrame(msg).toString("utf8");
      assert.equal(frame, `${Buffer.byteLength(msg)}#${msg}`);
    }
    assert.equal(encodeFrame("a|sip|é").toString("latin1").split("#")[0], "8"); // bytes, not characters
  });

  it("decodes the whole reference transcript however the stream is cut", () => {
    const stream = Buffer.concat([...all.map((m) => encodeFrame(m.msg)), encodeFrame("x|ping|ü€")]);
    const expected = [...all.map((m) => m.msg), "x|ping|ü€"];
    for (const chunkSize of [1, 2, 3, 7, 64, 1000, stream.length]) {
      const d = new FrameDecoder();
      const out: string[] = [];
      for (let i = 0; i < stream.length; i += chunkSize)
        out.push(...d.push(stream.subarray(i, i + chunkSize)));
      assert.deepEqual(out, expected, `chunk size ${chunkSize}`);
    }
  });

  it("rejects malformed length specifiers like drachtio-server", () => {
    for (const bad of ["hello#x", "12a#x", "#abc", "0#", "123456#x", "this is not drachtio\r\n"]) {
      assert.throws(() => new FrameDecoder().push(Buffer.from(bad)), WireError, bad);
    }
    assert.deepEqual(new FrameDecoder().push(Buffer.from("12")), []); // length split across reads
    assert.deepEqual(new FrameDecoder().push(Buffer.from("99999#abc")), []); // 5 digits are fine
  });
});

describe("admin protocol tokenising", () => {
  it("splits every reference message exactly as drachtio-srf does", () => {
    for (const { msg } of all) {
      const ours = parseAdminMessage(msg);
      const srf = srfTokens(msg);
      assert.deepEqual(ours.fields, srf.token);
      assert.equal(ours.body, srf.rawMsg);
      assert.equal(ours.id, srf.token[0]);
      assert.equal(ours.type, srf.token[1]);
    }
  });

  it("gives the fields drachtio-srf reads from the reference messages", () => {
    const byType = (type: string, nth = 0) =>
      all.map((m) => parseAdminMessage(m.msg)).filter((m) => m.type === type)[nth];
    assert.deepEqual(byType("authenticate")?.fields.slice(1), ["authenticate", "cymru", ""]);
    assert.deepEqual(byType("route", 2)?.fields.slice(1), ["route", "invite"]);
    const invite = all
      .map((m) => parseAdminMessage(m.msg))
      .find((m) => m.body.startsWith("INVITE sip:service"));
    assert.ok(invite);
    // source, bytes, protocol, address, port, time, transactionId, dialogId, receivedOn host, port
    const [, , source, bytes, protocol, address, port, time, txn, dialog, rhost, rport, tail] = invite.fields;
    assert.deepEqual(
      [source, bytes, protocol, address, port],
      ["network", "506", "udp", "127.0.0.1", "5212"],
    );
    assert.match(time ?? "", /^\d\d:\d\d:\d\d\.\d{6}$/);
    assert.match(txn ?? "", /^[0-9a-f-]{36}$/);
    assert.deepEqual([dialog, rhost, rport, tail], ["", "127.0.0.1", "5080", ""]);
    const echo = all
      .map((m) => parseAdminMessage(m.msg))
      .find((m) => m.type === "response" && m.fields[11]?.includes(";from-tag="));
    assert.deepEqual(echo?.fields.slice(3, 5), ["OK", "application"]);
    assert.equal(echo?.fields[13], "Msg sent:");
  });
});

describe("transcript shape comparison (used by the conformance test)", () => {
  const scenarios = referenceScenarios();
  const invite = scenarios.get("inbound-invite-200-ack-remote-bye") ?? [];

  it("finds no difference between the reference and itself", () => {
    for (const [name, msgs] of scenarios) assert.deepEqual(compareShapes(msgs, msgs), [], name);
  });

  it("notices each kind of deviation", () => {
    const edit = (i: number, f: (s: string) => string) =>
      invite.map((m, j) => (j === i ? { ...m, msg: f(m.msg) } : m));
    const cases: Array<[string, typeof invite]> = [
      ["ACK reported with a protocol", edit(3, (s) => s.replace("|354||", "|354|udp|"))],
      ["extra meta field", edit(0, (s) => s.replace("|5080|\r\n", "|5080||\r\n"))],
      ["header missing", edit(2, (s) => s.replace("Contact: <sip:127.0.0.1:5080>\r\n", ""))],
      ["different status", edit(2, (s) => s.replace("SIP/2.0 200 OK", "SIP/2.0 202 Accepted"))],
      ["To tag missing", edit(2, (s) => s.replace(";tag=yZeFSgUvUt7BS\r\nCall-ID", "\r\nCall-ID"))],
      [
        "wrong transaction id",
        edit(3, (s) =>
          s.replace("7b03157d-d1b9-4ded-aab2-dd67fac76ebc", "00000000-d1b9-4ded-aab2-dd67fac76ebc"),
        ),
      ],
      ["echo before its request", [invite[0]!, invite[2]!, invite[1]!, ...invite.slice(3)]],
      ["message missing", invite.slice(0, -1)],
      ["bytes not the message size", edit(2, (s) => s.replace("|439|", "|400|"))],
      [
        "dialog id from the To tag",
        invite.map((m) => ({
          ...m,
          msg: m.msg.replaceAll("from-tag=8345SIPpTag001", "from-tag=yZeFSgUvUt7BS"),
        })),
      ],
    ];
    for (const [what, ours] of cases) assert.notDeepEqual(compareShapes(invite, ours), [], what);
  });
});
