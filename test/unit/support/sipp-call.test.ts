/**
 * The sipp call scenarios of test/support/sipp-call.ts, each caller against a callee (sipp to sipp on
 * loopback, no gateway), then media: sipp's pcap playback counted by an RtpPeer, sipp's -rtp_echo, and
 * two sipps talking through a real rtpengine (counted by rtpengine's own query counters).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freePortRange } from "../../support/ports.js";
import { RtpPeer } from "../../support/rtp-peer.js";
import { listCalls, ngCommand, queryCall, startRtpengine, type Rtpengine } from "../../support/rtpengine.js";
import {
  callUac,
  callUas,
  dtmfPcap,
  G711A_PCAP,
  type CallUacOptions,
  type CallUasOptions,
} from "../../support/sipp-call.js";
import {
  explainSipp,
  runSipp,
  sipBody,
  sippReceived,
  startSippServer,
  type SippResult,
} from "../../support/sipp.js";

interface Pair {
  caller: SippResult;
  callee: SippResult;
}

/** Runs one call: the callee as a sipp server, the caller against it. */
async function call(
  uac: CallUacOptions,
  uas: CallUasOptions,
  extra: { uacArgs?: string[]; uasArgs?: string[] } = {},
): Promise<Pair> {
  const server = await startSippServer({
    scenario: callUas(uas),
    calls: 1,
    timeoutMs: 20000,
    extraArgs: extra.uasArgs,
  });
  try {
    const caller = await runSipp({
      scenario: callUac(uac),
      remote: `${server.host}:${server.port}`,
      calls: 1,
      timeoutMs: 20000,
      extraArgs: extra.uacArgs,
    });
    return { caller, callee: await server.done };
  } finally {
    await server.stop();
  }
}

function assertBothPassed({ caller, callee }: Pair): void {
  assert.equal(caller.exitCode, 0, `caller failed:\n${explainSipp(caller)}`);
  assert.equal(callee.exitCode, 0, `callee failed:\n${explainSipp(callee)}`);
}

/** The first line of each SIP message a side received. */
function firstLines(r: SippResult): string[] {
  return sippReceived(r).map((m) => m.split(/\r?\n/)[0] ?? "");
}

describe("sipp call scenarios, sipp to sipp", { concurrency: true }, () => {
  it("answered call, caller hangs up: INVITE/180/200/ACK, pcaps, BYE/200", async () => {
    const pair = await call(
      { steps: [{ play: G711A_PCAP }, { pause: 300 }, { play: dtmfPcap("5") }, { pause: 200 }] },
      { steps: [{ play: G711A_PCAP }] },
    );
    assertBothPassed(pair);
    assert.deepEqual(firstLines(pair.caller), ["SIP/2.0 180 Ringing", "SIP/2.0 200 OK", "SIP/2.0 200 OK"]);
    assert.deepEqual(
      firstLines(pair.callee).map((l) => l.split(" ")[0]),
      ["INVITE", "ACK", "BYE"],
    );
    const offer = sipBody(sippReceived(pair.callee)[0] ?? "");
    assert.match(offer, /m=audio \d+ RTP\/AVP 0 8 101/);
    assert.match(offer, /a=rtpmap:101 telephone-event\/8000/);
  });

  it("answered call, callee hangs up (caller awaits the BYE)", async () => {
    const pair = await call({ end: "await-bye" }, { end: "bye", steps: [{ pause: 100 }] });
    assertBothPassed(pair);
    assert.equal(firstLines(pair.caller).at(-1), `BYE sip:sipp@127.0.0.1:${pair.caller.localPort} SIP/2.0`);
  });

  it("caller cancels after 180: 200 for the CANCEL, 487 for the INVITE, ACK", async () => {
    const pair = await call({ cancel: { afterMs: 50 } }, { answer: "none" });
    assertBothPassed(pair);
    assert.deepEqual(firstLines(pair.caller), [
      "SIP/2.0 180 Ringing",
      "SIP/2.0 200 OK",
      "SIP/2.0 487 Request Terminated",
    ]);
    assert.deepEqual(
      firstLines(pair.callee).map((l) => l.split(" ")[0]),
      ["INVITE", "CANCEL", "ACK"],
    );
  });

  it("caller cancels after an early-media 183", async () => {
    const pair = await call({ cancel: { after: 183 } }, { provisional: [183], answer: "none" });
    assertBothPassed(pair);
    assert.match(sipBody(sippReceived(pair.caller)[0] ?? ""), /m=audio \d+ RTP\/AVP/);
  });

  for (const status of [486, 603, 480]) {
    it(`callee rejects with ${status}, caller expects it and ACKs`, async () => {
      const pair = await call({ expect: status }, { answer: status });
      assertBothPassed(pair);
      assert.equal(firstLines(pair.caller).at(-1)?.startsWith(`SIP/2.0 ${status} `), true);
    });
  }

  it("183 with SDP and early media, then 200", async () => {
    const pair = await call(
      {},
      { provisional: [183], earlySteps: [{ play: G711A_PCAP }, { pause: 100 }], ringMs: 100 },
    );
    assertBothPassed(pair);
    assert.deepEqual(firstLines(pair.caller), [
      "SIP/2.0 183 Session Progress",
      "SIP/2.0 200 OK",
      "SIP/2.0 200 OK",
    ]);
  });

  it("hold and unhold: re-INVITEs with a=sendonly then a=sendrecv, accepted by the callee", async () => {
    const pair = await call(
      { steps: [{ reinvite: "sendonly" }, { pause: 50 }, { reinvite: "sendrecv" }] },
      { steps: [{ acceptReinvite: "recvonly" }, { acceptReinvite: true }] },
    );
    assertBothPassed(pair);
    const invites = sippReceived(pair.callee).filter((m) => m.startsWith("INVITE "));
    assert.equal(invites.length, 3);
    assert.match(sipBody(invites[1] ?? ""), /a=sendonly/);
    assert.match(sipBody(invites[2] ?? ""), /a=sendrecv/);
    assert.match(sipBody(invites[2] ?? ""), /o=sipp \d+ 3 /, "the SDP version grows");
    const answers = sippReceived(pair.caller).filter(
      (m) => m.startsWith("SIP/2.0 200") && /CSeq: 2 INVITE/.test(m),
    );
    assert.match(sipBody(answers[0] ?? ""), /a=recvonly/);
  });

  it("fails when the far side does something else (caller expects 200, callee answers 486)", async () => {
    const { caller } = await call({ answerTimeoutMs: 1000 }, { answer: 486 });
    assert.notEqual(caller.exitCode, 0, explainSipp(caller));
  });
});

describe("sipp call media", () => {
  let engine: Rtpengine;
  const peers: RtpPeer[] = [];
  before(async () => {
    engine = await startRtpengine();
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await engine?.stop();
  });

  it("the caller's play_pcap_audio reaches the callee's SDP address: an RtpPeer there counts PCMA and DTMF", async () => {
    const peer = await RtpPeer.start();
    peers.push(peer);
    const pair = await call(
      { steps: [{ play: G711A_PCAP }, { pause: 400 }, { play: dtmfPcap("#") }, { pause: 300 }] },
      // The callee advertises the peer's port, so the caller plays to the peer.
      { sdp: { port: peer.port } },
    );
    assertBothPassed(pair);
    await peer.waitFor(() => peer.receivedCount(8) > 0 && peer.dtmfEvents().some((e) => e.ended), 3000);
    assert.deepEqual(
      peer.dtmfEvents().map((e) => [e.event, e.ended]),
      [[11, true]],
    );
    assert.equal(peer.lastSource?.address, "127.0.0.1");
  });

  it("-rtp_echo sends RTP back from -mp", async () => {
    const peer = await RtpPeer.start();
    peers.push(peer);
    const media = await freePortRange(4);
    const server = await startSippServer({
      scenario: callUas({}),
      calls: 1,
      timeoutMs: 10000,
      extraArgs: ["-mp", String(media.min), "-rtp_echo"],
    });
    try {
      peer.setRemote("127.0.0.1", media.min);
      await peer.send(0, 5, 10);
      await peer.waitFor(() => peer.receivedCount(0) === 5, 3000);
      assert.deepEqual(peer.lastSource, { address: "127.0.0.1", port: media.min });
    } finally {
      await server.stop();
    }
  });

  it("two sipps through rtpengine: both play g711a.pcap, rtpengine counts packets from both legs", async () => {
    // Each sipp's real media port (-mp, the last one on the command line wins) goes to rtpengine;
    // each scenario advertises the rtpengine port facing its side, so the far sipp plays to rtpengine.
    const [mediaA, mediaB] = [await freePortRange(4), await freePortRange(4)];
    const callId = `sipp-media-${Date.now()}`;
    const sdp = (port: number): string =>
      `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n` +
      `m=audio ${port} RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;
    const offer = await ngCommand(engine.host, engine.ngPort, "offer", {
      "call-id": callId,
      "from-tag": "caller",
      sdp: sdp(mediaA.min),
      ICE: "remove",
    });
    const answer = await ngCommand(engine.host, engine.ngPort, "answer", {
      "call-id": callId,
      "from-tag": "caller",
      "to-tag": "callee",
      sdp: sdp(mediaB.min),
      ICE: "remove",
    });
    assert.equal(offer.result, "ok", JSON.stringify(offer));
    assert.equal(answer.result, "ok", JSON.stringify(answer));
    const towardsCallee = Number(/m=audio (\d+)/.exec(String(offer.sdp))?.[1]);
    const towardsCaller = Number(/m=audio (\d+)/.exec(String(answer.sdp))?.[1]);

    const pair = await call(
      { sdp: { port: towardsCallee }, steps: [{ play: G711A_PCAP }, { pause: 600 }] },
      { sdp: { port: towardsCaller }, steps: [{ play: G711A_PCAP }] },
      { uacArgs: ["-mp", String(mediaA.min)], uasArgs: ["-mp", String(mediaB.min)] },
    );
    assertBothPassed(pair);
    const q = await queryCall(engine, callId);
    const caller = q.legs.get("caller");
    const callee = q.legs.get("callee");
    assert.ok(caller && callee, JSON.stringify(q.raw));
    assert.ok(caller.packetsIn > 5, `from the caller: ${caller.packetsIn}`);
    assert.ok(callee.packetsIn > 5, `from the callee: ${callee.packetsIn}`);
    assert.deepEqual(caller.endpoint, { address: "127.0.0.1", port: mediaA.min });
    assert.deepEqual(callee.endpoint, { address: "127.0.0.1", port: mediaB.min });
    await ngCommand(engine.host, engine.ngPort, "delete", { "call-id": callId });
    assert.deepEqual(await listCalls(engine), []);
  });
});
