/**
 * sipp scenarios for audio calls (INVITE dialogs with SDP and RTP), written per test into a temp file
 * like sipp-message.ts; run them with `runSipp` (UAC, `calls: 1`) and `startSippServer` (UAS) from sipp.ts.
 *
 *     const callee = await startSippServer({ scenario: callUas({ steps: [{ play: G711A_PCAP }] }), calls: 1 });
 *     const caller = await runSipp({
 *       scenario: callUac({ steps: [{ play: G711A_PCAP }, { pause: 1000 }, { play: dtmfPcap("5") }] }),
 *       remote: `127.0.0.1:${callee.port}`, calls: 1,
 *     });
 *     assert.equal(caller.exitCode, 0, explainSipp(caller));
 *
 * The caller (`callUac`): INVITE with SDP, optional 100/180/183, then the final response it expects:
 * a 2xx is ACKed and followed by `steps` (play a pcap, pause, re-INVITE for hold/unhold) and the end
 * (send BYE and expect 200, or wait for the far side's BYE and answer 200); a non-2xx is ACKed and ends
 * the call; `cancel` sends CANCEL after the 180/183 and expects 200 (CANCEL) and 487 (INVITE).
 * The callee (`callUas`): receives INVITE, sends 180 (or 183 with SDP for early media), then answers
 * 200 with SDP (or rejects with 486/603/480/..., or never answers and waits for the CANCEL), receives ACK,
 * runs its `steps` (play, pause, accept a re-INVITE) and ends with BYE or by awaiting one.
 *
 * Media in sipp 3.6.1 (Debian sip-tester, built with PCAP and RTPSTREAM):
 * - `-mi <ip> -mp <port>`: the local media address and port; in a scenario `[media_ip]` and
 *   `[media_port]` (audio; video is port + 2), `[media_ip_type]` is 4 or 6. sipp.ts passes
 *   `-mi 127.0.0.1 -mp <free port>`; pass `extraArgs: ["-mp", String(port)]` to choose it (the last wins).
 * - `<exec play_pcap_audio="/abs/path.pcap"/>` replays the pcap's UDP payloads (RTP as captured:
 *   payload types, SSRC, sequence numbers unchanged) to the address and port of the far side's SDP
 *   (c= and m=audio of the last SDP received), keeping the capture's timing. The source port is the
 *   `[media_port]` written in sipp's own SDP; with `sdp.port` set to another port the scenario adds an
 *   `X-Sipp-Media: audio [media_ip] [media_port]` header for that (else sipp plays from port 0). It uses a raw socket
 *   (root only) and plays in the background: follow it with a `pause`. A new play_pcap_audio
 *   stops the one still playing. The path is absolute, or relative to the scenario file.
 *   /usr/share/sip-tester/g711a.pcap is PCMA (payload type 8!), 236 packets of 30 ms (7.1 s);
 *   dtmf_2833_<0-9|star|pound>.pcap are RFC 4733 events with payload type 101 (10 packets, the last
 *   three with the end bit).
 * - `-rtp_echo` echoes every RTP packet received on `-mp` (and `-mp`+2) back to its sender;
 *   `<exec rtp_echo="startaudio"/>`... exist for the rtp_stream actions only.
 * - sipp counts what it sent ("RTP pckts" on its screen), not what it received: prove arrival on
 *   the receiving side (rtpengine's counters via queryCall, or an RtpPeer as the far side's media).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keepTestDirs } from "./process.js";

let dir: string | undefined;
let n = 0;
/** Writes a scenario into this process's scenario directory (removed at exit unless KEEP_TEST_DIRS=1). */
function write(xml: string): string {
  if (dir == null) {
    const created = mkdtempSync(join(tmpdir(), "sipp-call-"));
    dir = created;
    if (!keepTestDirs) process.once("exit", () => rmSync(created, { recursive: true, force: true }));
  }
  const file = join(dir, `scenario-${++n}.xml`);
  writeFileSync(file, xml, "utf8");
  return file;
}

/** Debian's sample audio: PCMA (payload type 8), 30 ms packets, 7.1 s. */
export const G711A_PCAP = "/usr/share/sip-tester/g711a.pcap";

/** Debian's RFC 4733 telephone-event pcaps (payload type 101): "0"-"9", "*", "#". */
export function dtmfPcap(digit: string): string {
  const name = digit === "*" ? "star" : digit === "#" ? "pound" : digit;
  if (!/^([0-9]|star|pound)$/.test(name)) throw new Error(`dtmfPcap: no pcap for "${digit}"`);
  return `/usr/share/sip-tester/dtmf_2833_${name}.pcap`;
}

export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

export interface CallSdp {
  /** m=audio port, default "[media_port]" (sipp's -mp). Another port makes the far side send there. */
  port?: number | string;
  /** c= address, default "[media_ip]". */
  ip?: string;
  /** Payload types, default [0, 8, 101]: PCMU, PCMA (what g711a.pcap carries), telephone-event/8000. */
  payloadTypes?: number[];
  direction?: Direction;
}

const RTPMAP: Record<number, string> = { 0: "PCMU/8000", 8: "PCMA/8000", 9: "G722/8000", 18: "G729/8000" };

function sdpBody(sdp: CallSdp, version: number): string {
  const pts = sdp.payloadTypes ?? [0, 8, 101];
  const ip = sdp.ip ?? "[media_ip]";
  return [
    "v=0",
    `o=sipp 53655765 ${version} IN IP[media_ip_type] ${ip}`,
    "s=-",
    `c=IN IP[media_ip_type] ${ip}`,
    "t=0 0",
    `m=audio ${sdp.port ?? "[media_port]"} RTP/AVP ${pts.join(" ")}`,
    ...pts.map((pt) => `a=rtpmap:${pt} ${RTPMAP[pt] ?? "telephone-event/8000"}`),
    ...pts.filter((pt) => RTPMAP[pt] == null).map((pt) => `a=fmtp:${pt} 0-16`),
    "a=ptime:20",
    `a=${sdp.direction ?? "sendrecv"}`,
  ]
    .map((l) => `      ${l}`)
    .join("\n");
}

/**
 * sipp takes the source port of its pcap plays from the `[media_port]` keyword: only a message line
 * that contains "audio" before `[media_port]` sets it (sipp 3.6.1 call.cpp, E_Message_Media_Port). With
 * another port in m=audio, this header keeps the plays coming from -mp (else their source port is 0).
 */
function mediaPortHeader(sdp: CallSdp): string {
  return sdp.port == null ? "" : "      X-Sipp-Media: audio [media_ip] [media_port]\n";
}

/** A step inside an established call. */
export type CallStep =
  /** play_pcap_audio (absolute path), in the background. */
  | { play: string }
  | { pause: number }
  /** UAC only: re-INVITE with this SDP direction (hold: "sendonly", unhold: "sendrecv"), expect 200, ACK. */
  | { reinvite: Direction; expect?: number }
  /** UAS only: receive a re-INVITE, answer 200 with SDP in this direction (default "sendrecv"), receive ACK. */
  | { acceptReinvite: Direction | true; timeoutMs?: number };

function stepXml(step: CallStep): string {
  if ("play" in step) {
    return `  <nop><action><exec play_pcap_audio="${step.play}"/></action></nop>`;
  }
  if ("pause" in step) return `  <pause milliseconds="${step.pause}"/>`;
  throw new Error(`step ${JSON.stringify(step)} is not for this side`);
}

function headerLines(headers: Record<string, string> | undefined): string {
  return Object.entries(headers ?? {})
    .map(([k, v]) => `      ${k}: ${v}\n`)
    .join("");
}

function scenario(name: string, parts: string[], variables: string[]): string {
  return write(`<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="${name}">
${parts.join("\n")}
${variables.length > 0 ? `  <Reference variables="${variables.join(",")}"/>` : ""}
</scenario>
`);
}

/** 200 OK to the request just received (BYE, CANCEL) in the dialog. */
const ok200 = (toTag = ""): string => `  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]${toTag}
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>`;

// ---------------------------------------------------------------------------------------------------
// Caller

export interface CallUacOptions {
  /** From URI, default sip:sipp@[local_ip]:[local_port]. */
  from?: string;
  /** To URI, default sip:[service]@[remote_ip]:[remote_port] (sipp's -s sets [service]). */
  to?: string;
  /** Request-URI, default `to`. */
  requestUri?: string;
  /** Extra headers on the INVITE. */
  headers?: Record<string, string>;
  sdp?: CallSdp;
  /** The final response the INVITE must get, default 200. A non-2xx is ACKed and ends the scenario. */
  expect?: number;
  /** How long to wait for the final response, default 10000 ms. */
  answerTimeoutMs?: number;
  /**
   * Cancel the call: after the provisional `after` (default 180; then pause `afterMs`, default 0) send
   * CANCEL, expect 200 for it and 487 for the INVITE, ACK the 487.
   */
  cancel?: boolean | { after?: 180 | 183; afterMs?: number };
  /** After the ACK of a 2xx. */
  steps?: CallStep[];
  /** "bye" (default): send BYE and expect 200. "await-bye": wait for the far side's BYE, answer 200. */
  end?: "bye" | "await-bye";
  /** How long "await-bye" waits, default 15000 ms. */
  byeTimeoutMs?: number;
}

/** A SIP caller; see the file comment. Returns the scenario file path. */
export function callUac(o: CallUacOptions = {}): string {
  const from = o.from ?? "sip:sipp@[local_ip]:[local_port]";
  const to = o.to ?? "sip:[service]@[remote_ip]:[remote_port]";
  const expect = o.expect ?? 200;
  const variables: string[] = [];
  let cseq = 1;
  let sdpVersion = 1;
  const fromHeader = `From: <${from}>;tag=[pid]SIPpTag00[call_number]`;
  const inDialog = (method: string, number: number, body?: string): string => `  <send retrans="500">
    <![CDATA[
      ${method} [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      ${fromHeader}
      To: <${to}>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: ${number} ${method}
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
${body != null ? `      Content-Type: application/sdp\n${mediaPortHeader(o.sdp ?? {})}` : ""}      Content-Length: [len]

${body ?? ""}
    ]]>
  </send>`;
  const ack = (number: number): string => `  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      ${fromHeader}
      To: <${to}>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: ${number} ACK
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>`;
  // A non-2xx is ACKed in the INVITE's transaction: same branch, same Request-URI (RFC 3261 §17.1.1.3).
  const ackNon2xx = `  <send>
    <![CDATA[
      ACK ${o.requestUri ?? to} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[$invbranch]
      ${fromHeader}
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>`;
  const parts: string[] = [
    `  <send retrans="500">
    <![CDATA[
      INVITE ${o.requestUri ?? to} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      ${fromHeader}
      To: <${to}>
      Call-ID: [call_id]
      CSeq: ${cseq} INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
${mediaPortHeader(o.sdp ?? {})}${headerLines(o.headers)}      Content-Length: [len]

${sdpBody(o.sdp ?? {}, sdpVersion++)}
    ]]>
  </send>`,
    `  <recv response="100" optional="true"/>`,
  ];
  const branchCapture = `<action><ereg regexp="branch=([^;[:space:]]+)" search_in="hdr" header="Via:" assign_to="d0,invbranch"/></action>`;
  if (o.cancel) {
    const c = typeof o.cancel === "object" ? o.cancel : {};
    const after = c.after ?? 180;
    variables.push("d0", "invbranch");
    if (after === 183) parts.push(`  <recv response="180" optional="true"/>`);
    parts.push(`  <recv response="${after}" timeout="${o.answerTimeoutMs ?? 10000}">${branchCapture}</recv>`);
    if (c.afterMs) parts.push(`  <pause milliseconds="${c.afterMs}"/>`);
    // CANCEL: the INVITE's branch, Request-URI, From, To (no tag) and CSeq number (RFC 3261 §9.1).
    parts.push(
      `  <send retrans="500">
    <![CDATA[
      CANCEL ${o.requestUri ?? to} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[$invbranch]
      ${fromHeader}
      To: <${to}>
      Call-ID: [call_id]
      CSeq: 1 CANCEL
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>`,
      // The 200 for the CANCEL comes first from every stack seen; a late one reaches sipp's dead-call
      // handler after the scenario ended and is ignored.
      `  <recv response="200" optional="true"/>`,
      `  <recv response="487" timeout="${o.answerTimeoutMs ?? 10000}"/>`,
      ackNon2xx,
    );
    return scenario("call-uac", parts, variables);
  }
  parts.push(`  <recv response="180" optional="true"/>`, `  <recv response="183" optional="true"/>`);
  if (expect >= 300) {
    variables.push("d0", "invbranch");
    parts.push(
      `  <recv response="${expect}" timeout="${o.answerTimeoutMs ?? 10000}">${branchCapture}</recv>`,
      ackNon2xx,
    );
    return scenario("call-uac", parts, variables);
  }
  parts.push(
    `  <recv response="${expect}" rrs="true" rtd="true" timeout="${o.answerTimeoutMs ?? 10000}"/>`,
    ack(cseq),
  );
  for (const step of o.steps ?? []) {
    if ("reinvite" in step) {
      cseq++;
      parts.push(
        inDialog("INVITE", cseq, sdpBody({ ...o.sdp, direction: step.reinvite }, sdpVersion++)),
        `  <recv response="100" optional="true"/>`,
        `  <recv response="${step.expect ?? 200}"/>`,
        ack(cseq),
      );
    } else parts.push(stepXml(step));
  }
  if ((o.end ?? "bye") === "bye") {
    cseq++;
    parts.push(inDialog("BYE", cseq), `  <recv response="200"/>`);
  } else {
    parts.push(`  <recv request="BYE" timeout="${o.byeTimeoutMs ?? 15000}"/>`, ok200());
  }
  return scenario("call-uac", parts, variables);
}

// ---------------------------------------------------------------------------------------------------
// Callee

export interface CallUasOptions {
  sdp?: CallSdp;
  /**
   * Provisional responses sent after the INVITE, in order, default [180]. A 183 carries the SDP
   * (early media); `earlySteps` run after it.
   */
  provisional?: (180 | 183)[];
  /** Steps after the provisional responses and before the final one (e.g. play a pcap after a 183). */
  earlySteps?: CallStep[];
  /** Pause before the final response, default 0. */
  ringMs?: number;
  /**
   * 200 (default): answer with SDP. 4xx-6xx (486, 603, 480, ...): reject, receive the ACK.
   * "none": never answer; wait for the CANCEL, answer it 200 and the INVITE 487, receive the ACK.
   */
  answer?: number | "none";
  /** How long to wait for the INVITE, default 15000 ms (the run's timeout also applies). */
  inviteTimeoutMs?: number;
  /** How long "none" waits for the CANCEL, default 15000 ms. */
  cancelTimeoutMs?: number;
  /** After the ACK of the 200. */
  steps?: CallStep[];
  /** "await-bye" (default): wait for the far side's BYE, answer 200. "bye": send BYE, expect 200. */
  end?: "bye" | "await-bye";
  /** How long "await-bye" waits, default 15000 ms. */
  byeTimeoutMs?: number;
}

const REASONS: Record<number, string> = {
  180: "Ringing",
  183: "Session Progress",
  200: "OK",
  480: "Temporarily Unavailable",
  486: "Busy Here",
  487: "Request Terminated",
  603: "Decline",
};

/** A SIP callee answering one INVITE (per call); see the file comment. Returns the scenario file path. */
export function callUas(o: CallUasOptions = {}): string {
  const answer = o.answer ?? 200;
  const variables = ["inv_from", "inv_to", "inv_cseq"];
  let sdpVersion = 1;
  const toTag = ";tag=[pid]SIPpTag01[call_number]";
  const response = (code: number, opts: { tag?: boolean; sdp?: CallSdp; cseq?: string } = {}): string => {
    const body = opts.sdp ? sdpBody(opts.sdp, sdpVersion) : undefined;
    // A 2xx is retransmitted until the ACK arrives (retrans on a response, RFC 3261 §13.3.1.4).
    return `  <send${code >= 200 && code < 300 ? ' retrans="500"' : ""}>
    <![CDATA[
      SIP/2.0 ${code} ${REASONS[code] ?? (code < 300 ? "OK" : "Rejected")}
      [last_Via:]
      [last_From:]
      [last_To:]${opts.tag === false ? "" : toTag}
      [last_Call-ID:]
      ${opts.cseq ?? "[last_CSeq:]"}
      Contact: <sip:callee@[local_ip]:[local_port]>
${body != null ? `      Content-Type: application/sdp\n${mediaPortHeader(opts.sdp ?? {})}` : ""}      Content-Length: [len]

${body ?? ""}
    ]]>
  </send>`;
  };
  const parts: string[] = [
    // rrs: remember Contact and Record-Route for [next_url] and [routes] (the BYE we may send).
    `  <recv request="INVITE" rrs="true" timeout="${o.inviteTimeoutMs ?? 15000}">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="inv_from"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="inv_to"/>
      <ereg regexp=".*" search_in="hdr" header="CSeq:" assign_to="inv_cseq"/>
    </action>
  </recv>`,
  ];
  for (const code of o.provisional ?? [180]) {
    parts.push(response(code, code === 183 ? { sdp: o.sdp ?? {} } : {}));
  }
  for (const step of o.earlySteps ?? []) parts.push(stepXml(step));
  if (o.ringMs) parts.push(`  <pause milliseconds="${o.ringMs}"/>`);
  if (answer === "none") {
    parts.push(
      `  <recv request="CANCEL" timeout="${o.cancelTimeoutMs ?? 15000}"/>`,
      ok200(toTag),
      // The 487 answers the INVITE: the CANCEL's Via, From, To and Call-ID are the INVITE's, its CSeq is not.
      response(487, { cseq: "CSeq:[$inv_cseq]" }),
      `  <recv request="ACK"/>`,
    );
    return scenario("call-uas", parts, variables);
  }
  if (answer >= 300) {
    parts.push(response(answer), `  <recv request="ACK"/>`);
    return scenario("call-uas", parts, variables);
  }
  parts.push(response(answer, { sdp: o.sdp ?? {} }), `  <recv request="ACK" rtd="true"/>`);
  for (const step of o.steps ?? []) {
    if ("acceptReinvite" in step) {
      sdpVersion++;
      const direction = step.acceptReinvite === true ? "sendrecv" : step.acceptReinvite;
      parts.push(
        `  <recv request="INVITE" timeout="${step.timeoutMs ?? 15000}"/>`,
        response(200, { tag: false, sdp: { ...o.sdp, direction } }),
        `  <recv request="ACK"/>`,
      );
    } else parts.push(stepXml(step));
  }
  if ((o.end ?? "await-bye") === "await-bye") {
    parts.push(`  <recv request="BYE" timeout="${o.byeTimeoutMs ?? 15000}"/>`, ok200());
  } else {
    // Our own request in the dialog: From is the INVITE's To with our tag, To is the INVITE's From.
    parts.push(
      `  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From:[$inv_to]${toTag}
      To:[$inv_from]
      Call-ID: [call_id]
      CSeq: 1 BYE
      Contact: <sip:callee@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>`,
      `  <recv response="200"/>`,
    );
  }
  return scenario("call-uas", parts, variables);
}
