/**
 * MediaLink against a scripted ng server on loopback UDP (the real wire format of rtpengine-client:
 * "<cookie> <bencoded dictionary>"): at most 32 commands on the wire at once, and a delete that got no
 * answer is sent again, an "Unknown call-id" counting as done.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { after, before, describe, it } from "node:test";
import { Health } from "../../../src/health/health.js";
import { moduleLogger, silenceLogging } from "../../../src/log/logger.js";
import { MediaLink } from "../../../src/media/media-link.js";

const bstr = (s: string) => `${Buffer.byteLength(s)}:${s}`;
const OK = `d${bstr("result")}${bstr("ok")}e`;
const PONG = `d${bstr("result")}${bstr("pong")}e`;
const UNKNOWN = `d${bstr("error-reason")}${bstr("Unknown call-id")}${bstr("result")}${bstr("error")}e`;

interface Pending {
  cookie: string;
  command: string;
  callId: string;
  reply: (body: string) => void;
}

/** An ng server that holds every request until the test answers it (ping is answered at once). */
class ScriptedNg {
  readonly socket = dgram.createSocket("udp4");
  readonly pending: Pending[] = [];
  readonly seen: Pending[] = [];
  port = 0;

  async start(): Promise<void> {
    this.socket.on("message", (msg, rinfo) => {
      const text = msg.toString("latin1");
      const cookie = text.slice(0, text.indexOf(" "));
      const command = /7:command(\d+):/.exec(text);
      const name = command ? text.substr(command.index + command[0].length, Number(command[1])) : "";
      const id = /7:call-id(\d+):/.exec(text);
      const callId = id ? text.substr(id.index + id[0].length, Number(id[1])) : "";
      const reply = (body: string) => this.socket.send(`${cookie} ${body}`, rinfo.port, rinfo.address);
      if (name === "ping") return reply(PONG);
      const p = { cookie, command: name, callId, reply };
      this.pending.push(p);
      this.seen.push(p);
    });
    await new Promise<void>((r) => this.socket.bind(0, "127.0.0.1", r));
    this.port = this.socket.address().port;
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("MediaLink", () => {
  let ng: ScriptedNg;
  let link: MediaLink;

  before(async () => {
    silenceLogging(true);
    ng = new ScriptedNg();
    await ng.start();
    link = new MediaLink(
      { host: "127.0.0.1", port: ng.port, timeout: 300, pingInterval: 60_000 },
      new Health(),
      moduleLogger("media"),
    );
    await link.start();
  });

  after(() => {
    link.stop();
    ng.socket.close();
    silenceLogging(false);
  });

  it("keeps at most 32 commands on the wire; the others wait their turn", async () => {
    ng.pending.length = 0;
    const all = Array.from({ length: 100 }, (_, i) => link.delete(`burst-${i}`));
    await until(() => ng.pending.length === 32, "32 commands");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ng.pending.length, 32, "a 33rd command went out while 32 were unanswered");
    while (ng.seen.filter((p) => p.callId.startsWith("burst-")).length < 100 || ng.pending.length > 0) {
      const p = ng.pending.shift();
      if (p) p.reply(OK);
      else await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(all);
    assert.equal(
      new Set(ng.seen.filter((p) => p.callId.startsWith("burst-")).map((p) => p.callId)).size,
      100,
    );
  });

  it("sends a delete again when the first got no answer; Unknown call-id on the repeat is done", async () => {
    ng.pending.length = 0;
    const done = link.delete("lost-answer");
    await until(() => ng.pending.length === 1, "the delete");
    ng.pending.shift(); // rtpengine deleted the call but its answer was lost
    await until(() => ng.pending.length === 1, "the repeated delete");
    const again = ng.pending.shift()!;
    assert.equal(again.command, "delete");
    assert.equal(again.callId, "lost-answer");
    again.reply(UNKNOWN);
    await done;
    assert.equal(ng.seen.filter((p) => p.callId === "lost-answer").length, 2);
  });
});
