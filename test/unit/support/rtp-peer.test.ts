/**
 * RtpPeer against itself and against a real rtpengine (userspace, loopback): plain RTP both ways,
 * RFC 4733 events, and ICE without DTLS on RTP/AVP (the peer answers and sends connectivity checks).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  checkStunFingerprint,
  checkStunIntegrity,
  decodeStun,
  encodeStun,
  parseSdpAudio,
  parseXorMappedAddress,
  RtpPeer,
  StunAttr,
  stunAttribute,
  StunType,
  xorMappedAddress,
} from "../../support/rtp-peer.js";
import { listCalls, ngCommand, queryCall, startRtpengine, type Rtpengine } from "../../support/rtpengine.js";

// RFC 5769 §2.1, "Sample Request" (password "VOkJxbRl1RmTxUk/WvJxBt", USERNAME "evtj:h6vY").
const RFC5769_REQUEST = Buffer.from(
  "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e2074657374" +
    "20636c69656e74002400046e0001ff80290008932ff9b151263b360006000965767" +
    "46a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2" +
    "80280004e57a3bcf",
  "hex",
);

describe("STUN codec", () => {
  it("verifies the RFC 5769 sample request (MESSAGE-INTEGRITY and FINGERPRINT)", () => {
    const msg = decodeStun(RFC5769_REQUEST);
    assert.equal(msg.type, StunType.BindingRequest);
    assert.equal(stunAttribute(msg, StunAttr.Username)?.toString(), "evtj:h6vY");
    assert.equal(checkStunIntegrity(msg, "VOkJxbRl1RmTxUk/WvJxBt"), true);
    assert.equal(checkStunIntegrity(msg, "wrong"), false);
    assert.equal(checkStunFingerprint(msg), true);
    const tampered = Buffer.from(RFC5769_REQUEST);
    tampered[30] = 0x41; // inside SOFTWARE
    assert.equal(checkStunFingerprint(decodeStun(tampered)), false);
    assert.equal(checkStunIntegrity(decodeStun(tampered), "VOkJxbRl1RmTxUk/WvJxBt"), false);
  });

  it("encodes what it verifies, and XOR-MAPPED-ADDRESS both ways", () => {
    const raw = encodeStun({
      type: StunType.BindingSuccess,
      transactionId: Buffer.alloc(12, 7),
      attributes: [{ type: StunAttr.XorMappedAddress, value: xorMappedAddress("127.0.0.1", 40000) }],
      integrityKey: "secret",
    });
    const msg = decodeStun(raw);
    assert.equal(checkStunIntegrity(msg, "secret"), true);
    assert.equal(checkStunFingerprint(msg), true);
    const mapped = stunAttribute(msg, StunAttr.XorMappedAddress);
    assert.ok(mapped);
    assert.deepEqual(parseXorMappedAddress(mapped), { address: "127.0.0.1", port: 40000 });
  });
});

describe("RtpPeer", () => {
  let engine: Rtpengine;
  const peers: RtpPeer[] = [];
  const peer = async (opts: Parameters<typeof RtpPeer.start>[0] = {}): Promise<RtpPeer> => {
    const p = await RtpPeer.start(opts);
    peers.push(p);
    return p;
  };
  before(async () => {
    engine = await startRtpengine();
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await engine?.stop();
  });

  it("sends PCMU and telephone-events to another peer, which counts them by payload type", async () => {
    const a = await peer();
    const b = await peer({ dtmfPayloadTypes: [126] });
    a.setRemote(b.address, b.port);
    await a.send(0, 5, 5);
    await a.sendDtmf(7, 100, { payloadType: 126 });
    await b.waitFor(() => b.receivedCount(126) >= 7, 3000);
    assert.equal(b.receivedCount(0), 5);
    assert.deepEqual(b.lastSource, { address: "127.0.0.1", port: a.port });
    const [event, ...more] = b.dtmfEvents();
    assert.equal(more.length, 0);
    assert.deepEqual(
      { event: event?.event, ended: event?.ended, duration: event?.duration, packets: event?.packets },
      { event: 7, ended: true, duration: 800, packets: 7 }, // 5 x 20 ms, the last one sent 3 times
    );
  });

  it("relays plain RTP and RFC 4733 both ways through rtpengine; query counts both legs", async () => {
    const a = await peer();
    const b = await peer();
    const callId = `plain-${Date.now()}`;
    const offer = await ngCommand(engine.host, engine.ngPort, "offer", {
      "call-id": callId,
      "from-tag": "A",
      sdp: a.sdp(),
      ICE: "remove",
    });
    assert.equal(offer.result, "ok", JSON.stringify(offer));
    const answer = await ngCommand(engine.host, engine.ngPort, "answer", {
      "call-id": callId,
      "from-tag": "A",
      "to-tag": "B",
      sdp: b.sdp(),
      ICE: "remove",
    });
    assert.equal(answer.result, "ok", JSON.stringify(answer));
    const toB = b.useSdp(String(offer.sdp));
    const toA = a.useSdp(String(answer.sdp));
    assert.ok(toB.port >= engine.portMin && toB.port <= engine.portMax, `B talks to rtpengine: ${toB.port}`);
    assert.ok(toA.port >= engine.portMin && toA.port <= engine.portMax, `A talks to rtpengine: ${toA.port}`);

    await Promise.all([a.send(0, 20, 10), b.send(0, 30, 10)]);
    await a.sendDtmf(3, 60);
    await a.waitFor(() => a.receivedCount(0) >= 30, 3000);
    await b.waitFor(() => b.receivedCount(0) >= 20 && b.dtmfEvents().some((e) => e.ended), 3000);
    assert.deepEqual(a.lastSource, { address: engine.host, port: toA.port });
    assert.equal(b.dtmfEvents()[0]?.event, 3);

    const q = await queryCall(engine, callId);
    const legA = q.legs.get("A");
    const legB = q.legs.get("B");
    assert.ok(legA && legB, JSON.stringify(q.raw));
    assert.equal(legA.packetsIn, 20 + 5, "rtpengine received A's 20 PCMU + 5 telephone-event packets");
    assert.equal(legB.packetsIn, 30);
    assert.equal(legA.packetsOut, 30);
    assert.equal(legB.packetsOut, 25);
    assert.deepEqual(legA.subscriptions, ["B"]);
    assert.deepEqual(legA.endpoint, { address: "127.0.0.1", port: a.port });
    assert.equal(legA.protocol, "RTP/AVP");
    assert.equal(legB.mediaFlags.includes("ICE"), false, "no ICE on a plain leg");

    assert.ok((await listCalls(engine)).includes(callId));
    const del = await ngCommand(engine.host, engine.ngPort, "delete", { "call-id": callId, "from-tag": "A" });
    assert.equal(del.result, "ok");
    assert.equal((await listCalls(engine)).includes(callId), false);
    await assert.rejects(queryCall(engine, callId), /Unknown call-id|error/i);
  });

  /**
   * One leg with ICE (host candidate, RTP/AVP, no DTLS), the other plain. `iceSide` says which of the
   * offer and the answer carries the ICE peer's SDP; rtpengine keeps ICE on that leg when its SDP has
   * ice-ufrag/ice-pwd/candidates and the SDP rtpengine sends back there is produced with ICE "force".
   */
  async function iceCall(iceSide: "offer" | "answer", opts: { corruptPwd?: boolean } = {}) {
    const ice = await peer({ ice: true });
    const plain = await peer();
    const callId = `ice-${iceSide}-${Date.now()}-${Math.random()}`;
    let iceSdp = ice.sdp();
    if (opts.corruptPwd) iceSdp = iceSdp.replace(/a=ice-pwd:.*/, "a=ice-pwd:notthepasswordthepeeruses");
    const [offerSdp, answerSdp] = iceSide === "offer" ? [iceSdp, plain.sdp()] : [plain.sdp(), iceSdp];
    const offer = await ngCommand(engine.host, engine.ngPort, "offer", {
      "call-id": callId,
      "from-tag": "O",
      sdp: offerSdp,
      ICE: iceSide === "offer" ? "remove" : "force",
      "transport-protocol": "RTP/AVP",
    });
    assert.equal(offer.result, "ok", JSON.stringify(offer));
    const answer = await ngCommand(engine.host, engine.ngPort, "answer", {
      "call-id": callId,
      "from-tag": "O",
      "to-tag": "A",
      sdp: answerSdp,
      ICE: iceSide === "offer" ? "force" : "remove",
      "transport-protocol": "RTP/AVP",
    });
    assert.equal(answer.result, "ok", JSON.stringify(answer));
    const [toIce, toPlain] =
      iceSide === "offer" ? [String(answer.sdp), String(offer.sdp)] : [String(offer.sdp), String(answer.sdp)];
    const engineIce = parseSdpAudio(toIce);
    assert.equal(engineIce.protocol, "RTP/AVP");
    assert.ok(engineIce.ufrag && engineIce.pwd && engineIce.candidates.length > 0, toIce);
    assert.doesNotMatch(toIce, /a=fingerprint|a=setup/);
    assert.equal(parseSdpAudio(toPlain).ufrag, undefined, "no ICE towards the plain peer");
    ice.useSdp(toIce);
    plain.useSdp(toPlain);
    return { ice, plain, callId, iceLeg: iceSide === "offer" ? "O" : "A", engineIce };
  }

  for (const iceSide of ["offer", "answer"] as const) {
    it(`ICE without DTLS on RTP/AVP, the ICE peer's SDP in the ${iceSide}: checks both ways, nomination, RTP both ways`, async () => {
      const { ice, plain, callId, iceLeg, engineIce } = await iceCall(iceSide);
      const candidate = engineIce.candidates[0];
      assert.ok(candidate);
      await ice.waitFor(
        () =>
          ice.iceState.requestsReceived > 0 && ice.iceState.successes > 0 && ice.iceState.nominated != null,
        5000,
      );
      assert.deepEqual(ice.iceState.nominated, { address: candidate.ip, port: candidate.port });
      assert.ok(
        !ice.iceState.log.some((p) => /INTEGRITY|USERNAME|FINGERPRINT|bad STUN/.test(p)),
        ice.iceState.log.join("\n"),
      );
      await Promise.all([ice.send(0, 15, 10), plain.send(0, 15, 10)]);
      await ice.waitFor(() => ice.receivedCount(0) >= 15, 3000);
      await plain.waitFor(() => plain.receivedCount(0) >= 15, 3000);
      const q = await queryCall(engine, callId);
      const leg = q.legs.get(iceLeg);
      assert.ok(leg, JSON.stringify(q.raw));
      assert.ok(leg.mediaFlags.includes("ICE"), `ICE on the leg: ${leg.mediaFlags.join(",")}`);
      assert.equal(leg.packetsIn, 15);
      assert.equal(leg.packetsOut, 15);
      await ngCommand(engine.host, engine.ngPort, "delete", { "call-id": callId });
    });
  }

  it("ICE with a wrong ice-pwd in the SDP: the peer rejects rtpengine's checks (so the ICE assertions can fail)", async () => {
    const { ice, callId } = await iceCall("offer", { corruptPwd: true });
    await ice.waitFor(() => ice.iceState.log.some((p) => /MESSAGE-INTEGRITY/.test(p)), 5000);
    assert.equal(ice.iceState.requestsReceived, 0);
    await ngCommand(engine.host, engine.ngPort, "delete", { "call-id": callId });
  });

  it("leaves no call behind in rtpengine (ng list)", async () => {
    assert.deepEqual(await listCalls(engine), []);
  });
});
