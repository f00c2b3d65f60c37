/**
 * `npm run bench:calls`: call set-up rate and concurrent calls of the call bridge, signalling only,
 * with the real rtpengine. Writes its section of docs/benchmarks.md.
 *
 * What runs: the real CallBridge in this process, driven through the entry points the doors call
 * (ComponentLink's Jingle iq and stanza handlers, SipLink's INVITE handler), with the recorded fakes of
 * test/support/fake-call-ports.ts answering at once: Alice's client proposes/proceeds/accepts with the
 * captured Chromium stanzas, Bob's phone answers 180 then 200. The media door is the real MediaLink
 * talking to a real rtpengine (test/support/rtpengine.ts, userspace, on loopback). No RTP flows.
 *
 * (a) Set-up rate: per direction and offered rate, calls are started on a fixed schedule for
 *     `--duration` seconds, each held `--hold-ms` and then hung up (XMPP -> SIP by her
 *     session-terminate, SIP -> XMPP by his BYE). Set-up time: from the session-initiate (XMPP -> SIP)
 *     or the INVITE (SIP -> XMPP) reaching the bridge to the session-accept / 200 it sends.
 * (b) Concurrent calls: `--concurrent` calls (half each way) set up and held; live heap (after a
 *     full GC, node --expose-gc) and RSS of this process and rtpengine's RSS, before and after, per
 *     call; rtpengine's `list` while held and after every call was torn down, once 50 at a time and
 *     once all at once (as CallBridge.stop() does); MediaLink's failed deletes are counted from its
 *     log.
 * (c) Baseline in the same run: rtpengine alone, the same offer+answer pairs (same SDPs and flags as
 *     the bridge sends, through the same MediaLink) with no bridge: at the same offered rates, and
 *     closed-loop (its ceiling).
 *
 * Options: --duration S (5)  --rates 50,100,200  --hold-ms MS (1000)  --concurrent N (1000)
 *          --port-min P --port-max P (20000-31999: rtpengine's media ports)  --out FILE  --no-write
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { Writable } from "node:stream";
import type { Element } from "@xmpp/xml";
import winston from "winston";
import type { MediaAnswer, MediaOffer, MediaPort } from "../src/call/call-ports.js";
import { jingleIq, parseJingleAction } from "../src/call/jingle-action.js";
import { jingleContentElements, parseJingleContents } from "../src/call/jingle.js";
import { sdpToSession, sessionToSdp } from "../src/call/jingle-sdp.js";
import { sdpCodecNames } from "../src/call/sdp-edit.js";
import { towardsSip, towardsXmpp, transcodeFlags, WEBRTC_PROFILE } from "../src/call/media-legs.js";
import { NS_JINGLE, NS_JINGLE_MESSAGE } from "../src/call/namespaces.js";
import { Health } from "../src/health/health.js";
import { moduleLogger, silenceLogging, type Logger } from "../src/log/logger.js";
import { MediaLink } from "../src/media/media-link.js";
import {
  Alice,
  BOB_PHONE,
  PHONE_ANSWER,
  PHONE_OFFER,
  callDoors,
  type CallDoors,
  type FakeIncomingInvite,
} from "../test/support/fake-call-ports.js";
import { listCalls, startRtpengine, type Rtpengine } from "../test/support/rtpengine.js";
import { cpuSeconds, rssKiB } from "./proc-stats.js";
import { fmt, summarize } from "./stats.js";

silenceLogging(true);
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const DURATION_S = Number(opt("duration") ?? 5);
const RATES = (opt("rates") ?? "50,100,200").split(",").map(Number);
const HOLD_MS = Number(opt("hold-ms") ?? 1000);
const CONCURRENT = Number(opt("concurrent") ?? 1000);
const PORT_MIN = Number(opt("port-min") ?? 20000);
const PORT_MAX = Number(opt("port-max") ?? 31999);
const SETUP_TIMEOUT_MS = 10_000;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const OUT = opt("out") ?? path.join(root, "docs", "benchmarks.md");

const gc = (globalThis as { gc?: () => void }).gc;
function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** MediaLink, counting what the bridge asks of it. */
class CountedMedia implements MediaPort {
  deletes = 0;
  constructor(readonly link: MediaLink) {}
  get available(): boolean {
    return this.link.available;
  }
  offer(p: MediaOffer): Promise<string> {
    return this.link.offer(p);
  }
  answer(p: MediaAnswer): Promise<string> {
    return this.link.answer(p);
  }
  async delete(callId: string): Promise<void> {
    await this.link.delete(callId);
    this.deletes++;
  }
  playDtmf(callId: string, fromTag: string, code: string, durationMs: number): Promise<void> {
    return this.link.playDtmf(callId, fromTag, code, durationMs);
  }
}

type Direction = "xmpp-to-sip" | "sip-to-xmpp";

interface Call {
  direction: Direction;
  sid: string;
  start: number;
  /** Set-up time, ms; undefined until set up. */
  setupMs?: number;
  failed?: string;
  inv?: FakeIncomingInvite;
  settle(): void;
}

/** The bridge with doors that answer at once, as Alice's client and Bob's phone would. */
class Rig {
  readonly doors: CallDoors<CountedMedia>;
  private readonly calls = new Map<string, Call>();
  /** The SIP -> XMPP call whose INVITE is being handed to the bridge (its propose goes out in the call). */
  private incoming: Call | undefined;
  private n = 0;

  constructor(media: CountedMedia) {
    this.doors = callDoors(media, {
      settings: { ringTimeout: 60_000, iqTimeout: 5_000 },
      log: moduleLogger("call-bench"),
    });
    const { xmpp, sip } = this.doors;
    xmpp.record = false;
    sip.record = false;
    xmpp.onOut = (s) => this.fromBridge(s);
    sip.onInvite = (c) =>
      setImmediate(() => {
        c.provisional(180);
        c.answer(PHONE_ANSWER);
      });
  }

  get active(): number {
    return this.doors.bridge.activeCalls;
  }

  /** Starts a call; resolves once it is set up or failed. */
  start(direction: Direction): Promise<Call> {
    return direction === "xmpp-to-sip" ? this.fromXmpp() : this.fromSip();
  }

  private track(direction: Direction, sid: string): { call: Call; done: Promise<Call> } {
    let settle!: () => void;
    const done = new Promise<void>((r) => (settle = r));
    const call: Call = { direction, sid, start: 0, settle };
    this.calls.set(sid, call);
    const timer = setTimeout(() => this.fail(call, "no set-up in time"), SETUP_TIMEOUT_MS);
    return { call, done: done.then(() => (clearTimeout(timer), call)) };
  }

  private async fromXmpp(): Promise<Call> {
    const sid = `x${++this.n}`;
    const { alice } = this.doors;
    await this.doors.message(alice.jmi("propose", sid));
    const iq = alice.jingle("session-initiate", sid);
    const { call, done } = this.track("xmpp-to-sip", sid);
    call.start = performance.now();
    this.doors.jingle(iq);
    return done;
  }

  private async fromSip(): Promise<Call> {
    const inv = this.doors.incoming();
    const { call, done } = this.track("sip-to-xmpp", `pending-${++this.n}`);
    this.calls.delete(call.sid);
    call.inv = inv;
    inv.onFinal = (r) => (r.status === 200 ? this.setUp(call) : this.fail(call, `SIP ${r.status}`));
    this.incoming = call;
    call.start = performance.now();
    await this.doors.bridge.handleInvite(inv);
    this.incoming = undefined;
    return done;
  }

  private setUp(call: Call): void {
    if (call.setupMs !== undefined || call.failed) return;
    call.setupMs = performance.now() - call.start;
    call.settle();
  }

  private fail(call: Call, why: string): void {
    if (call.setupMs !== undefined || call.failed) return;
    call.failed = why;
    call.settle();
  }

  /** What Alice's client does with what the bridge sends her. */
  private fromBridge(s: Element): void {
    const jmi = s.getChildElements().find((c) => c.attrs.xmlns === NS_JINGLE_MESSAGE);
    if (jmi?.name === "propose" && this.incoming) {
      const call = this.incoming;
      call.sid = jmi.attrs.id ?? "";
      this.calls.set(call.sid, call);
      setImmediate(() => {
        void this.doors.message(this.doors.alice.jmi("ringing", call.sid));
        void this.doors.message(this.doors.alice.jmi("proceed", call.sid));
      });
      return;
    }
    if (jmi?.name === "retract") {
      const call = this.calls.get(jmi.attrs.id ?? "");
      if (call) this.fail(call, "retract");
      return;
    }
    const j = s.getChild("jingle", NS_JINGLE);
    if (!j) return;
    const call = this.calls.get(j.attrs.sid ?? "");
    if (!call) return;
    switch (j.attrs.action) {
      case "session-accept":
        this.setUp(call);
        return;
      case "session-initiate":
        setImmediate(() => this.doors.jingle(this.doors.alice.accept(s)));
        return;
      case "session-terminate":
        this.fail(call, `session-terminate ${j.getChild("reason")?.getChildElements()[0]?.name ?? ""}`);
        this.calls.delete(call.sid);
        return;
    }
  }

  /** Hangs up: her session-terminate (XMPP -> SIP), his BYE (SIP -> XMPP). */
  hangUp(call: Call): void {
    this.calls.delete(call.sid);
    if (call.failed) return;
    if (call.direction === "xmpp-to-sip") {
      try {
        this.doors.jingle(this.doors.alice.jingle("session-terminate", call.sid));
      } catch {
        // the call ended meanwhile (unknown-session)
      }
    } else {
      call.inv?.dialog?.fireBye();
    }
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface RateRow {
  what: string;
  offered: number;
  count: number;
  achieved: number;
  p50: number;
  p99: number;
  failures: number;
  gatewayCpuUs: number;
  rtpengineCpuUs: number;
  /** Calls rtpengine still held once every call of the step was over. */
  left: number;
}

/** Starts `count` jobs at `rate` per second; resolves with each job's result. */
async function schedule<T>(rate: number, count: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const t0 = performance.now();
  const jobs: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    jobs.push(job(i));
  }
  return Promise.all(jobs);
}

function cpuMeter(rtpenginePid: number) {
  const g0 = process.cpuUsage();
  const r0 = cpuSeconds(rtpenginePid) ?? 0;
  return (count: number) => {
    const g = process.cpuUsage(g0);
    return {
      gatewayCpuUs: (g.user + g.system) / count,
      rtpengineCpuUs: (((cpuSeconds(rtpenginePid) ?? 0) - r0) * 1e6) / count,
    };
  };
}

async function rateStep(
  rig: Rig,
  media: CountedMedia,
  rtpengine: Rtpengine,
  pid: number,
  direction: Direction,
  rate: number,
): Promise<RateRow> {
  const count = Math.round(rate * DURATION_S);
  const deletes = media.deletes;
  const cpu = cpuMeter(pid);
  const t0 = performance.now();
  let lastSetup = t0;
  const calls = await schedule(rate, count, async () => {
    const call = await rig.start(direction);
    if (call.setupMs !== undefined) lastSetup = Math.max(lastSetup, call.start + call.setupMs);
    await sleep(HOLD_MS);
    rig.hangUp(call);
    return call;
  });
  await until(() => media.deletes - deletes === count && rig.active === 0, "every call torn down");
  const usage = cpu(count);
  const left = (await listCalls(rtpengine, count * 2)).length;
  const ok = calls.filter((c) => c.setupMs !== undefined);
  const lat = summarize(ok.map((c) => c.setupMs!));
  const failures = calls.filter((c) => c.failed);
  for (const f of failures.slice(0, 3)) console.error(`  failure: ${f.failed}`);
  return {
    what: direction === "xmpp-to-sip" ? "XMPP → SIP" : "SIP → XMPP",
    offered: rate,
    count,
    achieved: ok.length / ((lastSetup - t0) / 1000),
    p50: lat.p50,
    p99: lat.p99,
    failures: failures.length,
    ...usage,
    left,
  };
}

/** The offer+answer pairs the bridge makes per call, ready to send without it. */
function mediaPairs(alice: Alice, s2xOffer: string) {
  const session = parseJingleContents(alice.jingle("session-initiate", "s").getChild("jingle", NS_JINGLE)!);
  const xmppOffer = sessionToSdp(session, { sessionId: "1", sessionVersion: 1, role: "initiator" });
  // What her client answers to what rtpengine offered her, through the bridge's own translation.
  const initiate = jingleIq(
    BOB_PHONE,
    alice.jid,
    "i",
    { sid: "s", action: "session-initiate", initiator: BOB_PHONE },
    ...jingleContentElements(sdpToSession(s2xOffer, { role: "initiator" })),
  );
  const accepted = parseJingleAction(alice.accept(initiate).getChild("jingle", NS_JINGLE)!);
  const xmppAnswer = sessionToSdp(accepted.session!, {
    sessionId: "2",
    sessionVersion: 1,
    role: "responder",
  });
  return [
    {
      offer: {
        fromTag: "xmpp",
        sdp: xmppOffer,
        flags: { ...towardsSip(), ...transcodeFlags(sdpCodecNames(xmppOffer), "sip") },
      },
      answer: { fromTag: "xmpp", toTag: "sip", sdp: PHONE_ANSWER, flags: towardsXmpp(WEBRTC_PROFILE) },
    },
    {
      offer: {
        fromTag: "sip",
        sdp: PHONE_OFFER,
        flags: { ...towardsXmpp(WEBRTC_PROFILE), ...transcodeFlags(sdpCodecNames(PHONE_OFFER), "xmpp") },
      },
      answer: { fromTag: "sip", toTag: "xmpp", sdp: xmppAnswer, flags: towardsSip() },
    },
  ];
}

type Pair = ReturnType<typeof mediaPairs>[number];

async function rawPair(link: MediaLink, pair: Pair, id: string): Promise<number> {
  const t = performance.now();
  await link.offer({ callId: id, ...pair.offer });
  await link.answer({ callId: id, ...pair.answer });
  return performance.now() - t;
}

async function baselineAtRate(
  link: MediaLink,
  rtpengine: Rtpengine,
  pairs: Pair[],
  pid: number,
  rate: number,
): Promise<RateRow> {
  const count = Math.round(rate * DURATION_S);
  const cpu = cpuMeter(pid);
  const t0 = performance.now();
  let last = t0;
  let failures = 0;
  const times = await schedule(rate, count, async (i) => {
    const id = `base-${rate}-${i}`;
    try {
      const ms = await rawPair(link, pairs[i % 2]!, id);
      last = Math.max(last, performance.now());
      await sleep(HOLD_MS);
      return ms;
    } catch {
      failures++;
      return undefined;
    } finally {
      await link.delete(id);
    }
  });
  const usage = cpu(count);
  const left = (await listCalls(rtpengine, count * 2)).length;
  const ok = times.filter((t): t is number => t !== undefined);
  const lat = summarize(ok);
  return {
    what: "rtpengine alone",
    offered: rate,
    count,
    achieved: ok.length / ((last - t0) / 1000),
    p50: lat.p50,
    p99: lat.p99,
    failures,
    ...usage,
    left,
  };
}

async function baselineCeiling(link: MediaLink, pairs: Pair[], count: number, inFlight: number) {
  const times: number[] = [];
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++;
        const id = `ceiling-${i}`;
        try {
          times.push(await rawPair(link, pairs[i % 2]!, id));
        } catch {
          failures++;
        }
        await link.delete(id);
      }
    }),
  );
  const s = summarize(times);
  return { perS: times.length / ((performance.now() - t0) / 1000), p50: s.p50, p99: s.p99, failures };
}

interface Held {
  calls: Call[];
  setupPerS: number;
  failures: number;
  active: number;
  listed: number;
  heapPerCall: number;
  rssPerCall: number;
  rtpengineRssPerCall: number;
}

/** Sets up `CONCURRENT` calls (half each way, 50 in flight) and keeps them; memory before and after. */
async function hold(rig: Rig, rtpengine: Rtpengine, pid: number): Promise<Held> {
  await sleep(200);
  const h0 = heap();
  const rss0 = process.memoryUsage().rss;
  const r0 = rssKiB(pid) ?? 0;
  const calls: Call[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < CONCURRENT) {
        const i = next++;
        calls.push(await rig.start(i % 2 === 0 ? "xmpp-to-sip" : "sip-to-xmpp"));
      }
    }),
  );
  const setupS = (performance.now() - t0) / 1000;
  await sleep(500);
  const h1 = heap();
  const rss1 = process.memoryUsage().rss;
  const r1 = rssKiB(pid) ?? 0;
  return {
    calls,
    setupPerS: CONCURRENT / setupS,
    failures: calls.filter((c) => c.failed).length,
    active: rig.active,
    listed: (await listCalls(rtpengine, CONCURRENT * 2)).length,
    heapPerCall: (h1 - h0) / CONCURRENT,
    rssPerCall: (rss1 - rss0) / CONCURRENT,
    rtpengineRssPerCall: ((r1 - r0) * 1024) / CONCURRENT,
  };
}

/**
 * Hangs every call up: "paced", 50 at a time (the next 50 once their media is deleted), or "burst",
 * all at once (what CallBridge.stop() does at shutdown). Reports what rtpengine still holds after.
 */
async function release(
  rig: Rig,
  media: CountedMedia,
  rtpengine: Rtpengine,
  calls: Call[],
  mode: "paced" | "burst",
  warnings: Counter,
) {
  const deletes = media.deletes;
  const failedBefore = warnings.count("rtpengine delete failed");
  const t0 = performance.now();
  if (mode === "burst") {
    for (const c of calls) rig.hangUp(c);
  } else {
    for (let i = 0; i < calls.length; i += 50) {
      for (const c of calls.slice(i, i + 50)) rig.hangUp(c);
      await until(() => media.deletes - deletes >= Math.min(calls.length, i + 50), "a batch torn down");
    }
  }
  await until(() => media.deletes - deletes === calls.length && rig.active === 0, "every call torn down");
  const seconds = (performance.now() - t0) / 1000;
  await sleep(200);
  const left = await listCalls(rtpengine, CONCURRENT * 2);
  // Clean up after a lossy burst (20 at a time), so the next step starts from an empty rtpengine.
  for (let i = 0; i < left.length; i += 20) {
    await Promise.all(
      left
        .slice(i, i + 20)
        .map((id) => media.link.command("delete", { "call-id": id }).catch(() => undefined)),
    );
  }
  return {
    mode,
    seconds,
    activeAfter: rig.active,
    left: left.length,
    deleteFailures: warnings.count("rtpengine delete failed") - failedBefore,
  };
}

type Released = Awaited<ReturnType<typeof release>>;

interface Counter {
  log: Logger;
  count(message: string): number;
}

/** A logger for MediaLink that keeps nothing but counts its messages (it warns when a delete fails). */
function countingLogger(): Counter {
  const counts = new Map<string, number>();
  const log = winston.createLogger({
    level: "warn",
    format: winston.format.json(),
    transports: [
      new winston.transports.Stream({
        stream: new Writable({
          write(chunk: Buffer, _enc, done) {
            const message = String((JSON.parse(chunk.toString()) as { message?: unknown }).message);
            counts.set(message, (counts.get(message) ?? 0) + 1);
            done();
          },
        }),
      }),
    ],
  });
  return { log, count: (m) => counts.get(m) ?? 0 };
}

// --- run -------------------------------------------------------------------------------------------

if (!gc) console.error("warning: run with node --expose-gc for memory figures (npm run bench:calls does)");
const rtpengine = await startRtpengine({
  portCount: 100,
  extraArgs: [`--port-min=${PORT_MIN}`, `--port-max=${PORT_MAX}`],
});
const pid = Number(readFileSync(path.join(rtpengine.dir, "rtpengine.pid"), "utf8").trim());
const warnings = countingLogger();
const link = new MediaLink(
  { host: rtpengine.host, port: rtpengine.ngPort, timeout: 5000, pingInterval: 60_000 },
  new Health(),
  warnings.log,
);
try {
  await link.start();
  if (!link.available) throw new Error("rtpengine does not answer");
  const media = new CountedMedia(link);
  const rig = new Rig(media);

  // Warm-up (JIT, rtpengine's first allocations), not measured.
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      rig.start(i % 2 ? "xmpp-to-sip" : "sip-to-xmpp").then((c) => rig.hangUp(c)),
    ),
  );
  await until(() => rig.active === 0, "warm-up calls torn down");

  const sampleOffer = await link.offer({
    callId: "sample",
    fromTag: "sip",
    sdp: PHONE_OFFER,
    flags: { ...towardsXmpp(WEBRTC_PROFILE), ...transcodeFlags(sdpCodecNames(PHONE_OFFER), "xmpp") },
  });
  await link.delete("sample");
  const pairs = mediaPairs(new Alice(), sampleOffer);

  const rows: RateRow[] = [];
  for (const rate of RATES) {
    for (const direction of ["xmpp-to-sip", "sip-to-xmpp"] as const) {
      const row = await rateStep(rig, media, rtpengine, pid, direction, rate);
      console.error(
        `${row.what} at ${rate}/s: ${fmt(row.achieved)}/s, p99 ${fmt(row.p99)} ms, ${row.failures} failed`,
      );
      rows.push(row);
    }
    const base = await baselineAtRate(link, rtpengine, pairs, pid, rate);
    console.error(`rtpengine alone at ${rate}/s: ${fmt(base.achieved)}/s, p99 ${fmt(base.p99)} ms`);
    rows.push(base);
  }
  const ceilingCount = Math.round(Math.max(...RATES) * DURATION_S);
  const ceiling = await baselineCeiling(link, pairs, ceilingCount, 16);
  console.error(`rtpengine ceiling: ${fmt(ceiling.perS)} pairs/s`);
  const held = await hold(rig, rtpengine, pid);
  const paced = await release(rig, media, rtpengine, held.calls, "paced", warnings);
  const again = await hold(rig, rtpengine, pid);
  const burst = await release(rig, media, rtpengine, again.calls, "burst", warnings);
  const { calls: _calls, ...shown } = held;
  console.error(`concurrent: ${JSON.stringify({ ...shown, paced, burst })}`);
  write(rows, ceiling, ceilingCount, held, [paced, burst]);
} finally {
  link.stop();
  await rtpengine.stop();
}

function write(
  rows: RateRow[],
  ceiling: Awaited<ReturnType<typeof baselineCeiling>>,
  ceilingCount: number,
  held: Held,
  released: Released[],
): void {
  const f = (n: number) => Math.round(n).toLocaleString("en-US");
  const rateTable = [
    "| direction | offered /s | calls | achieved set-ups /s | set-up p50 ms | set-up p99 ms | failed | left in rtpengine | gateway CPU µs/call | rtpengine CPU µs/call |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.offered} | ${r.count} | ${fmt(r.achieved)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.failures} | ${r.left} | ${f(r.gatewayCpuUs)} | ${f(r.rtpengineCpuUs)} |`,
    ),
    `| rtpengine alone, closed loop (16 in flight): its ceiling | - | ${ceilingCount} | ${fmt(ceiling.perS)} | ${fmt(ceiling.p50, 2)} | ${fmt(ceiling.p99, 2)} | ${ceiling.failures} | | | |`,
  ].join("\n");
  const heldTable = [
    `| ${CONCURRENT.toLocaleString("en-US")} concurrent calls (half each way) | |`,
    "|---|---|",
    `| set up (50 in flight), calls/s | ${fmt(held.setupPerS)} |`,
    `| failed set-ups | ${held.failures} |`,
    `| calls in the bridge / in rtpengine's \`list\` while held | ${held.active} / ${held.listed} |`,
    `| gateway live heap per call (after full GC), bytes | ${f(held.heapPerCall)} |`,
    `| gateway RSS per call, bytes | ${f(held.rssPerCall)} |`,
    `| rtpengine RSS per call, bytes | ${f(held.rtpengineRssPerCall)} |`,
    ...released.map(
      (r) =>
        `| torn down ${r.mode === "paced" ? "50 at a time" : "all at once (as at shutdown)"}: calls left in the bridge / in rtpengine, MediaLink deletes failed | ${r.activeAfter} / ${r.left}, ${r.deleteFailures} |`,
    ),
  ].join("\n");
  const bridged = (rate: number) => rows.filter((r) => r.offered === rate && r.what !== "rtpengine alone");
  const alone = (rate: number) => rows.find((r) => r.offered === rate && r.what === "rtpengine alone");
  const meets = (rate: number) =>
    bridged(rate).length === 2 && bridged(rate).every((r) => r.failures === 0 && r.achieved >= 0.95 * rate);
  const rateLine = (rate: number) =>
    bridged(rate)
      .map((r) => `${r.what} ${fmt(r.achieved)}/s, p99 ${fmt(r.p99)} ms, ${r.failures} failed`)
      .join("; ");
  const [paced, burst] = released;
  const heldMet = held.failures === 0 && held.listed === CONCURRENT && paced?.left === 0;
  const top = Math.max(...RATES);
  const bridgeCost = (r: RateRow | undefined) =>
    r ? f(r.gatewayCpuUs - (alone(r.offered)?.gatewayCpuUs ?? 0)) : "-";
  const reading = [
    `**100 set-ups/s each way: ${meets(100) ? "met" : "not met"}** (${rateLine(100)}).` +
      (RATES.includes(200) ? ` At 200/s: ${rateLine(200)}.` : "") +
      ` Median set-up at 100/s: ${fmt(bridged(100)[0]?.p50 ?? NaN, 2)} ms XMPP → SIP and` +
      ` ${fmt(bridged(100)[1]?.p50 ?? NaN, 2)} ms SIP → XMPP, against ${fmt(alone(100)?.p50 ?? NaN, 2)} ms for` +
      ` rtpengine's own offer and answer. The gateway process spends ${bridgeCost(bridged(top)[0])} (XMPP → SIP)` +
      ` and ${bridgeCost(bridged(top)[1])} (SIP → XMPP) µs of CPU per call at ${top}/s beyond what \`MediaLink\`` +
      ` alone costs (${f(alone(top)?.gatewayCpuUs ?? NaN)} µs per offer+answer+delete, kernel time` +
      ` included).`,
    `**The limit is rtpengine**: ${f(alone(top)?.rtpengineCpuUs ?? NaN)} µs of its CPU per offer+answer` +
      ` (transcoding set-up included); closed-loop it peaks at ${fmt(ceiling.perS)} pairs/s on this machine,` +
      ` sharing the two cores with the gateway.`,
    `**${CONCURRENT.toLocaleString("en-US")} concurrent calls: ${heldMet && CONCURRENT >= 1000 ? "met" : "not met"}**` +
      ` (${held.active} in the bridge, ${held.listed} in rtpengine, ${held.failures} failed;` +
      ` ${f(held.heapPerCall)} bytes of live heap per call in the gateway, fake doors included;` +
      ` ${f(held.rtpengineRssPerCall)} bytes of RSS per call in rtpengine; the gateway's RSS figure is noisy,` +
      ` V8 gives pages back after a full GC). Torn down 50 at a time, ${paced?.left ?? "-"} left in rtpengine.`,
    burst && burst.left > 0
      ? `**Torn down all at once**, as \`CallBridge.stop()\` does at shutdown, ${burst.deleteFailures} of` +
        ` ${CONCURRENT} deletes timed out and rtpengine kept ${burst.left} calls: \`MediaLink\` sends each ng` +
        ` command once over UDP (rtpengine-client does not retransmit), rtpengine's socket drops part of a` +
        ` burst, and a failed delete is only logged; those calls stay until rtpengine's own timeout.`
      : `Torn down all at once, ${burst?.left ?? "-"} left in rtpengine.`,
  ];
  const version = rtpengineVersion();
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const section = `<!-- call-bench:start -->
## Calls: set-up rate and ${CONCURRENT.toLocaleString("en-US")} concurrent calls (\`npm run bench:calls\`)

Run on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, rtpengine ${version}
(userspace, \`--table=-1\`, on loopback, media ports ${PORT_MIN}-${PORT_MAX}). Signalling only, no RTP: the real call
bridge in-process with doors that answer at once (Alice's client and Bob's phone of
\`test/support/fake-call-ports.ts\`), and the real \`MediaLink\` to the real rtpengine; drachtio and the XMPP
server are not in this measurement (see the header of \`bench/call-bench.ts\`). Calls are started on a fixed
schedule for ${DURATION_S} s, each held ${HOLD_MS} ms, then hung up; set-up is from the session-initiate / INVITE
reaching the bridge to the session-accept / 200 it sends; CPU per call includes the hang-up and the fake doors
(Alice's client parses captured stanzas for each call). "rtpengine alone" sends the same offer+answer pairs (same
SDPs and flags) through the same \`MediaLink\`, without the bridge, then deletes them.

${rateTable}

${heldTable}

Reading (generated from the run above):

${reading.map((r) => `- ${r}`).join("\n")}
<!-- call-bench:end -->`;
  console.log(section);
  if (!args.includes("--no-write")) {
    const doc = readFileSync(OUT, "utf8");
    const re = /<!-- call-bench:start -->[\s\S]*<!-- call-bench:end -->/;
    writeFileSync(OUT, re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`);
    console.log(`wrote ${OUT}`);
  }
}

function rtpengineVersion(): string {
  // rtpengine --version prints to stderr.
  const r = spawnSync("rtpengine", ["--version"], { encoding: "utf8" });
  return /Version:\s*(\S+)/.exec(`${r.stdout ?? ""}${r.stderr ?? ""}`)?.[1] ?? "(version unknown)";
}
