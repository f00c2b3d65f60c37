import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, describe, it } from "node:test";
import { Client } from "rtpengine-client";
import { ngPing, startRtpengine, type Rtpengine } from "../../support/rtpengine.js";

const sdp = (port: number): string =>
  [
    "v=0",
    "o=- 1 1 IN IP4 127.0.0.1",
    "s=-",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=audio ${port} RTP/AVP 0`,
    "a=rtpmap:0 PCMU/8000",
    "a=sendrecv",
    "",
  ].join("\r\n");

describe("rtpengine bench helper", () => {
  let engine: Rtpengine | undefined;
  let client: Client | undefined;
  after(async () => {
    client?.close();
    await engine?.stop();
  });

  it("starts, answers ping and offer/delete, restarts", async (t) => {
    let t0 = Date.now();
    engine = await startRtpengine();
    t.diagnostic(`rtpengine start: ${Date.now() - t0} ms`);
    assert.equal(engine.host, "127.0.0.1");
    assert.ok(engine.portMin % 2 === 0 && engine.portMax - engine.portMin === 99);

    client = new Client({ localAddress: "127.0.0.1", localPort: 0, timeout: 1500 });
    const pong = await client.ping(engine.ngPort, engine.host);
    assert.equal(pong.result, "pong");

    const callId = `bench-${Date.now()}`;
    const offer = await client.offer(engine.ngPort, engine.host, {
      "call-id": callId,
      "from-tag": "a",
      sdp: sdp(20000),
      ICE: "remove",
      replace: ["origin", "session-connection"],
    });
    assert.equal(offer.result, "ok", JSON.stringify(offer));
    const offerSdp = String(offer.sdp);
    const port = Number(/m=audio (\d+)/.exec(offerSdp)?.[1]);
    assert.ok(port >= engine.portMin && port <= engine.portMax, `media port ${port} in the private range`);
    assert.match(offerSdp, /c=IN IP4 127\.0\.0\.1/);
    const answer = await client.answer(engine.ngPort, engine.host, {
      "call-id": callId,
      "from-tag": "a",
      "to-tag": "b",
      sdp: sdp(20002),
    });
    assert.equal(answer.result, "ok", JSON.stringify(answer));
    const del = await client.delete(engine.ngPort, engine.host, { "call-id": callId, "from-tag": "a" });
    assert.equal(del.result, "ok", JSON.stringify(del));

    t0 = Date.now();
    await engine.restart();
    t.diagnostic(`rtpengine restart: ${Date.now() - t0} ms`);
    assert.equal((await client.ping(engine.ngPort, engine.host)).result, "pong");

    const dir = engine.dir;
    t0 = Date.now();
    await engine.stop();
    t.diagnostic(`rtpengine stop: ${Date.now() - t0} ms`);
    assert.equal(await ngPing(engine.host, engine.ngPort, 200), false);
    engine = undefined;
    if (process.env.KEEP_TEST_DIRS !== "1") assert.equal(existsSync(dir), false);
  });
});
