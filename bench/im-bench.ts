/**
 * `npm run bench`: pager-mode IM throughput and latency of the gateway, each direction, next to a
 * baseline measured in the same run under the same load; writes docs/benchmarks.md.
 *
 *   SIP -> XMPP  gateway:  SIP generator -UDP-> drachtio -> gateway -> XMPP server -> clients
 *                baseline: bare @xmpp/component ----------------------> XMPP server -> clients
 *   XMPP -> SIP  gateway:  clients -> XMPP server -> gateway -> drachtio -UDP-> SIP responder (200)
 *                baseline: clients -> XMPP server -> bare @xmpp/component
 *
 * The baseline component and the gateway use the same component domain, one after the other
 * (Prosody refuses a second connection for a domain, and the test helpers configure one domain):
 * baseline first, then the component disconnects and the gateway connects. The XMPP server, the
 * clients and the worker processes stay the same throughout.
 *
 * For each system and direction the offered rate goes up in steps (each `--duration` seconds);
 * stepping stops at the first step that is not sustained: a lost message, an achieved rate more
 * than 5 % below the offered one, or a median latency over 100 ms (a queue building up). Before
 * its steps the gateway gets a soak run of 5N messages, with its RSS (and live heap after a full
 * GC) read at start, after N and after every further N messages.
 *
 * Processes: the XMPP server, the drachtio test server, the gateway, one SIP-side worker (SIP
 * generator + responder, or the bare component) and two XMPP-side workers (the clients) each run
 * apart, so /proc shows what each costs; this process only steers and reads /proc.
 *
 * Options: --server prosody|ejabberd  --quick  --duration S  --max-rate R | --rates R1,R2,..  --no-profile
 *          --out FILE
 *          --only gateway|baseline (a development aid)
 * Environment: BENCH_TRACE=DIR makes each receiver append "<send time> <latency>" (ms) per message
 * to DIR/step<N>-<pid>.txt, to see when in a step the slow ones were (a development aid).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startEjabberd } from "../test/support/ejabberd.js";
import { startGateway, type GatewayProcess } from "../test/support/gateway-process.js";
import { freePort } from "../test/support/ports.js";
import { keepTestDirs, makeTempDir } from "../test/support/process.js";
import { startProsody } from "../test/support/prosody.js";
import type { XmppServer } from "../test/support/xmpp-server.js";
import { summarizeProfile } from "./cpu-profile.js";
import { mergeSinkStats, type PacedResult, type SinkStats } from "./load-common.js";
import type { Endpoint, SendArgs } from "./load-worker.js";
import { CpuMeter, cpuSeconds, pidsByCmdline, rssKiB, type Watched } from "./proc-stats.js";
import {
  writeReport,
  type BenchResult,
  type Direction,
  type FlowResult,
  type Machine,
  type RssPoint,
  type System,
} from "./report.js";
import { PROFILER_HOOK, Worker } from "./rpc.js";
import type { Party, SipSourceStats } from "./sip-load.js";
import { nowMs, summarize } from "./stats.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// ---------------------------------------------------------------- options

export interface Options {
  server: "prosody" | "ejabberd";
  quick: boolean;
  /** seconds per step */
  duration: number;
  rates: number[];
  /** N: RSS is read after N, 2N, ... 5N soak messages */
  soakChunk: number;
  /** soak rate per direction, messages/s */
  soakRate: number;
  profile: boolean;
  /** XMPP client processes and clients (users) in all */
  xmppWorkers: number;
  users: number;
  /** distinct SIP users on the SIP side (bench<N> senders, bob<N> recipients) */
  sipUsers: number;
  out: string | undefined;
  /** run only one of the two systems (a development aid: the summary then lacks the other) */
  only: System | undefined;
}

/**
 * A step is sustained when nothing is lost, the source managed the offered rate, the receivers got
 * at least 95 % of it over the send window, and the median latency stayed under this: a system
 * that keeps up delivers in milliseconds, one that does not builds a queue the step is too short
 * to reveal as a lower rate.
 */
const QUEUEING_P50_MS = 100;

const FULL_RATES = [500, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 10000];

function usage(): never {
  console.error(
    "usage: npm run bench -- [--server prosody|ejabberd] [--quick] [--duration S] [--max-rate R | --rates R1,R2,..] [--no-profile] [--out FILE] [--only gateway|baseline]",
  );
  process.exit(2);
}

export function parseOptions(argv: string[]): Options {
  let server: Options["server"] = "prosody";
  let quick = false;
  let duration: number | undefined;
  let maxRate: number | undefined;
  let profile = true;
  let out: string | undefined | null = null;
  let only: System | undefined;
  let rateList: number[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage();
      return v;
    };
    if (flag === "--server") {
      const v = value();
      if (v !== "prosody" && v !== "ejabberd") usage();
      server = v;
    } else if (flag === "--quick") quick = true;
    else if (flag === "--duration") duration = Number(value());
    else if (flag === "--max-rate") maxRate = Number(value());
    else if (flag === "--no-profile") profile = false;
    else if (flag === "--rates") rateList = value().split(",").map(Number);
    else if (flag === "--out") out = value();
    else if (flag === "--only") {
      const v = value();
      if (v !== "gateway" && v !== "baseline") usage();
      only = v;
    } else usage();
  }
  if (duration !== undefined && !(duration >= 1 && duration <= 60)) usage();
  if (maxRate !== undefined && !(maxRate >= 100 && maxRate <= 100_000)) usage();
  const base = quick ? [500, 1000] : FULL_RATES;
  const limit = maxRate ?? (quick ? 1000 : 10_000);
  if (rateList && (maxRate !== undefined || rateList.some((r) => !(r >= 100 && r <= 100_000)))) usage();
  const rates = rateList ?? base.filter((r) => r <= limit);
  if (!rateList && (rates.length === 0 || (rates[rates.length - 1] ?? 0) < limit)) rates.push(limit);
  return {
    server,
    quick,
    duration: duration ?? (quick ? 2 : 5),
    rates,
    soakChunk: quick ? 2000 : 20_000,
    soakRate: 500,
    profile,
    xmppWorkers: 2,
    users: 8,
    sipUsers: 8,
    // A quick run checks the bench works: it prints its tables but keeps the document unless asked.
    out: out === null ? (quick ? undefined : path.join(ROOT, "docs", "benchmarks.md")) : out,
    only,
  };
}

// ---------------------------------------------------------------- the bench

interface Side {
  worker: Worker;
  via: Endpoint;
}

interface Flow {
  system: System;
  direction: Direction;
  rate: number;
  count: number;
  sources: Side[];
  sinks: Side[];
  from: Party;
  to: Party;
}

class Bench {
  private stepCounter = 0;
  /** What is left of the time the whole run may spend in waitQuiet (a busy machine must not stretch it much). */
  private quietBudgetMs: number;

  constructor(
    readonly opts: Options,
    readonly server: XmppServer,
    readonly sipSide: Worker,
    readonly xmppSides: Worker[],
    private meter: CpuMeter,
    private readonly watched: Watched[],
  ) {
    this.quietBudgetMs = opts.quick ? 5_000 : 60_000;
  }

  get processNames(): string[] {
    return this.meter.names;
  }

  watch(w: Watched): void {
    this.watched.push(w);
    this.meter = new CpuMeter(this.watched);
  }

  /** The sources and sinks of one system and direction. */
  flow(system: System, direction: Direction, rate: number, count: number): Flow {
    const { server, sipSide, xmppSides, opts } = this;
    const clients = xmppSides.map((worker) => ({ worker, via: "clients" as const }));
    const sipEnd: Side = { worker: sipSide, via: system === "gateway" ? "sip" : "component" };
    const toXmpp = direction === "sip->xmpp";
    return {
      system,
      direction,
      rate,
      count,
      sources: toXmpp ? [sipEnd] : clients,
      sinks: toXmpp ? clients : [sipEnd],
      from: { prefix: "bench", count: opts.sipUsers, domain: server.componentDomain },
      to: toXmpp
        ? { prefix: "user", count: opts.users, domain: server.domain }
        : { prefix: "bob", count: opts.sipUsers, domain: server.componentDomain },
    };
  }

  /** Runs flows at the same time (one for a step, two for the soak) and measures each. */
  async run(flows: Flow[]): Promise<FlowResult[]> {
    const steps = flows.map(() => ++this.stepCounter);
    const waited = await this.waitQuiet();
    const cpu0 = this.meter.sample();
    const sent = await Promise.all(
      flows.map(async (f, k) => {
        const step = steps[k] ?? 0;
        const n = f.sources.length;
        const parts = await Promise.all(
          f.sources.map((s, i) =>
            s.worker.call<PacedResult>("send", {
              via: s.via,
              step,
              rate: f.rate / n,
              count: Math.floor(f.count / n) + (i < f.count % n ? 1 : 0),
              seqOffset: i,
              seqStride: n,
              from: f.from,
              to: f.to,
            } satisfies SendArgs),
          ),
        );
        return {
          sent: parts.reduce((a, p) => a + p.sent, 0),
          firstAt: Math.min(...parts.map((p) => p.firstAt)),
          lastAt: Math.max(...parts.map((p) => p.lastAt)),
        };
      }),
    );
    const cpu1 = this.meter.sample();
    const cpu = this.meter.usage(cpu0, cpu1);

    // Drain: wait for the stragglers, bounded; what has not arrived by then is lost.
    const drainMs = Math.min(10_000, Math.max(3000, this.opts.duration * 1000));
    const deadline = nowMs() + drainMs;
    let last = -1;
    let lastChange = nowMs();
    for (;;) {
      const got = await Promise.all(
        flows.map(async (f, k) => {
          const c = await Promise.all(
            f.sinks.map((s) => s.worker.call<number>("progress", { via: s.via, step: steps[k] })),
          );
          return c.reduce((a, b) => a + b, 0);
        }),
      );
      const total = got.reduce((a, b) => a + b, 0);
      if (got.every((g, k) => g >= (sent[k]?.sent ?? 0))) break;
      if (total !== last) {
        last = total;
        lastChange = nowMs();
      } else if (nowMs() - lastChange > 2000) break;
      if (nowMs() > deadline) break;
      await sleep(50);
    }

    return Promise.all(
      flows.map(async (f, k): Promise<FlowResult> => {
        const step = steps[k] ?? 0;
        const s = sent[k] ?? { sent: 0, firstAt: 0, lastAt: 0 };
        const sink = mergeSinkStats(
          await Promise.all(
            f.sinks.map((x) =>
              x.worker.call<SinkStats>("collect", { via: x.via, step, windowEnd: s.lastAt }),
            ),
          ),
        );
        const src =
          f.system === "gateway" && f.direction === "sip->xmpp"
            ? await this.sipSide.call<SipSourceStats>("sip.collectSource", { step })
            : undefined;
        const window = Math.max(1e-3, (s.lastAt - s.firstAt) / 1000);
        const r: FlowResult = {
          system: f.system,
          direction: f.direction,
          offered: f.rate,
          sent: s.sent,
          sendRate: s.sent / window,
          received: sink.received,
          lost: s.sent - sink.received,
          duplicates: sink.duplicates,
          errors: sink.errors,
          achieved: sink.inWindow / window,
          latency: summarize(sink.latencies),
          sip: src && {
            finals: src.finals,
            retransmits: src.retransmits,
            unanswered: src.unanswered,
            answer: summarize(src.answerLatencies),
          },
          cpu,
          waitedForQuietMs: waited,
          verdict: "ok",
        };
        r.verdict =
          r.lost > 0
            ? "loss"
            : r.sendRate < 0.95 * r.offered
              ? "generator below offered rate"
              : r.achieved < 0.95 * r.offered
                ? "behind offered rate"
                : r.latency.p50 > QUEUEING_P50_MS
                  ? `queue building (p50 > ${QUEUEING_P50_MS} ms)`
                  : "ok";
        return r;
      }),
    );
  }

  /**
   * The machine may be shared: waits (up to 10 s, within the run's budget) until processes outside
   * the bench use under 25 % of one core, so that a step does not start in the middle of someone
   * else's burst. Returns the ms waited.
   */
  async waitQuiet(): Promise<number> {
    const t0 = nowMs();
    const limit = Math.min(10_000, this.quietBudgetMs);
    for (;;) {
      const a = this.meter.sample();
      await sleep(300);
      const u = this.meter.usage(a, this.meter.sample());
      const waited = nowMs() - t0;
      if (u.other < 25 || waited > limit) {
        this.quietBudgetMs = Math.max(0, this.quietBudgetMs - Math.max(0, waited - 300));
        return waited;
      }
    }
  }

  /** Steps the offered rate until the first failing step. */
  async stepping(system: System, direction: Direction, log: (r: FlowResult) => void): Promise<FlowResult[]> {
    const out: FlowResult[] = [];
    for (const rate of this.opts.rates) {
      const [r] = await this.run([this.flow(system, direction, rate, Math.round(rate * this.opts.duration))]);
      if (!r) break;
      out.push(r);
      log(r);
      if (r.verdict !== "ok") break;
      await sleep(300);
    }
    await this.quiesce();
    return out;
  }

  /** Waits until no late message has arrived anywhere for 1 s (bounded to 20 s). */
  async quiesce(): Promise<void> {
    const lateCount = async (): Promise<number> => {
      const counts = await Promise.all([this.sipSide, ...this.xmppSides].map((w) => w.call<number>("late")));
      return counts.reduce((a, b) => a + b, 0);
    };
    const until = nowMs() + 20_000;
    let prev = await lateCount();
    while (nowMs() < until) {
      await sleep(1000);
      const n = await lateCount();
      if (n === prev) return;
      prev = n;
    }
  }

  /** The soak run: 5 chunks of N messages (half each direction, at the same time), RSS after each. */
  async soak(
    gatewayPid: number,
    liveHeapMiB: () => Promise<number>,
    log: (p: RssPoint) => void,
  ): Promise<{ points: RssPoint[]; flows: FlowResult[] }> {
    const points: RssPoint[] = [];
    const flows: FlowResult[] = [];
    const point = async (messages: number): Promise<void> => {
      const rss = rssKiB(gatewayPid) ?? Number.NaN;
      const p = {
        messages,
        rssMiB: rss / 1024,
        cpuSeconds: cpuSeconds(gatewayPid) ?? 0,
        liveHeapMiB: await liveHeapMiB(),
      };
      points.push(p);
      log(p);
    };
    await point(0);
    let messages = 0;
    for (let chunk = 1; chunk <= 5; chunk++) {
      const half = Math.floor(this.opts.soakChunk / 2);
      const rs = await this.run([
        this.flow("gateway", "sip->xmpp", this.opts.soakRate, half),
        this.flow("gateway", "xmpp->sip", this.opts.soakRate, this.opts.soakChunk - half),
      ]);
      flows.push(...rs);
      messages += rs.reduce((a, r) => a + r.received, 0);
      await point(messages);
    }
    await this.quiesce();
    return { points, flows };
  }
}

// ---------------------------------------------------------------- machine and profiles

function describeMachine(server: XmppServer, drachtioReal: boolean): Machine {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const pkg = server.kind;
  let version = "unknown";
  try {
    version = execFileSync("dpkg-query", ["-W", "-f", "${Version}", pkg], { encoding: "utf8" }).trim();
  } catch {
    // not a Debian package
  }
  const git = (...args: string[]): string => {
    try {
      return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };
  const commit = git("log", "-1", "--format=%h %s");
  const dirty = git("status", "--porcelain", "--", "src") !== "";
  return {
    code: commit
      ? `commit ${commit}${dirty ? " (plus uncommitted changes in src/)" : ""}`
      : "not a git checkout",
    cores: os.cpus().length,
    model: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memoryGiB: os.totalmem() / 2 ** 30,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    xmppServer: `${pkg === "prosody" ? "Prosody" : "ejabberd"} ${version}`,
    drachtio: drachtioReal
      ? `real drachtio-server at ${process.env["DRACHTIO_HOST"] ?? "?"}:${process.env["DRACHTIO_PORT"] ?? "?"}`
      : "drachtio-compatible test server (test/support/drachtio, Node), in its own process",
  };
}

/** Toggles the SIGUSR2 profiler of the given processes around `body`; returns the written profiles. */
async function profiled<T>(
  enabled: boolean,
  targets: Array<{ name: string; signal: () => void; prefix: string; count: () => number }>,
  body: () => Promise<T>,
): Promise<{ value: T; files: Array<{ name: string; file: string }> }> {
  if (!enabled) return { value: await body(), files: [] };
  for (const t of targets) t.signal();
  await sleep(200);
  const value = await body();
  const files: Array<{ name: string; file: string }> = [];
  for (const t of targets) {
    t.signal();
    const file = `${t.prefix}-${t.count()}.cpuprofile`;
    const until = nowMs() + 15_000;
    while (nowMs() < until) {
      if (existsSync(file)) {
        files.push({ name: t.name, file });
        break;
      }
      await sleep(100);
    }
  }
  return { value, files };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const command = [
    "npm",
    "run",
    "bench",
    ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : []),
  ].join(" ");
  // Whatever happens, the run ends: a watchdog far above the expected 5 minutes.
  const watchdog = setTimeout(() => {
    console.error("bench: watchdog: run took over 15 minutes, aborting");
    process.exit(1);
  }, 15 * 60_000);
  watchdog.unref();

  const log = (s: string): void => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${s}`);
  if (opts.only !== "baseline") {
    // The gateway runs compiled, as `npm start` runs it (not through tsx).
    log("building the gateway (npm run build)");
    execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
  }
  const users = Array.from({ length: opts.users }, (_, i) => ({ user: `user${i}`, password: `pw${i}` }));
  const profDir = await makeTempDir("bench-prof");
  const cleanups: Array<() => Promise<unknown>> = [];

  try {
    log(`starting ${opts.server} with ${users.length} users`);
    const server = await (opts.server === "prosody" ? startProsody : startEjabberd)({ users });
    cleanups.push(() => server.stop());

    const env = process.env;
    const drachtioReal = !!(
      env["DRACHTIO_HOST"] &&
      env["DRACHTIO_PORT"] &&
      env["DRACHTIO_SECRET"] &&
      env["DRACHTIO_SIP"]
    );
    let drachtioWorker: Worker | undefined;
    let drachtio: { host: string; port: number; secret: string; sipHost: string; sipPort: number };
    if (drachtioReal) {
      const m = /^(.*):(\d+)$/.exec(env["DRACHTIO_SIP"] ?? "");
      drachtio = {
        host: env["DRACHTIO_HOST"] ?? "",
        port: Number(env["DRACHTIO_PORT"]),
        secret: env["DRACHTIO_SECRET"] ?? "",
        sipHost: (m?.[1] ?? "127.0.0.1").replace(/^\[|\]$/g, ""),
        sipPort: Number(m?.[2]),
      };
    } else {
      const w = Worker.fork("drachtio", "drachtio-worker.ts", {
        execArgv: opts.profile ? ["--import", PROFILER_HOOK] : [],
        env: { BENCH_PROFILE_PREFIX: opts.profile ? path.join(profDir, "drachtio") : "" },
      });
      drachtioWorker = w;
      cleanups.push(() => w.stop());
      const d = await w.call<{ host: string; port: number; secret: string; sipPort: number }>("start");
      drachtio = { ...d, sipHost: d.host };
    }
    log(`drachtio: ${drachtioReal ? "real" : "test server"}, SIP ${drachtio.sipHost}:${drachtio.sipPort}`);

    const sipSide = Worker.fork("sip-load", "load-worker.ts");
    cleanups.push(() => sipSide.stop());
    const xmppSides = Array.from({ length: opts.xmppWorkers }, (_, i) => {
      const w = Worker.fork(`xmpp-load-${i + 1}`, "load-worker.ts");
      cleanups.push(() => w.stop());
      return w;
    });
    const per = Math.ceil(users.length / xmppSides.length);
    await Promise.all(
      xmppSides.map((w, i) =>
        w.call("clients.connect", {
          server: { host: server.host, c2sPort: server.c2sPort, domain: server.domain },
          users: users.slice(i * per, (i + 1) * per),
        }),
      ),
    );
    cleanups.push(() =>
      Promise.all([sipSide, ...xmppSides].map((w) => w.call("close").catch(() => undefined))),
    );
    log(`${users.length} clients logged in (${xmppSides.length} processes)`);

    const serverPids = pidsByCmdline(server.dir);
    const watched: Watched[] = [
      ...serverPids.slice(0, 1).map((pid) => ({ name: "xmpp-server", pid, group: true })),
      ...(drachtioWorker ? [{ name: "drachtio", pid: drachtioWorker.pid }] : []),
      { name: "sip-load", pid: sipSide.pid },
      ...xmppSides.map((w) => ({ name: w.name, pid: w.pid })),
    ];
    const bench = new Bench(opts, server, sipSide, xmppSides, new CpuMeter(watched), watched);
    const stepLog = (r: FlowResult): void =>
      log(
        `${r.system} ${r.direction} ${r.offered}/s: sent ${r.sent}, got ${r.received}, lost ${r.lost}, ` +
          `achieved ${r.achieved.toFixed(0)}/s, p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, ` +
          `machine ${r.cpu.machineBusy.toFixed(0)}% -> ${r.verdict}`,
      );

    // ---- baseline: the bare component on the component domain
    const component = {
      host: server.host,
      port: server.componentPort,
      domain: server.componentDomain,
      secret: server.componentSecret,
    };
    const baseline: BenchResult["baseline"] = { toXmpp: [], toSip: [] };
    if (opts.only !== "gateway") {
      await sipSide.call("component.start", component);
      log("baseline: bare @xmpp/component online");
      await sleep(500);
      baseline.toXmpp = await bench.stepping("baseline", "sip->xmpp", stepLog);
      baseline.toSip = await bench.stepping("baseline", "xmpp->sip", stepLog);
      await sipSide.call("component.stop");
    }

    // ---- the gateway on the same domain
    const gw: Pick<BenchResult, "gateway" | "soak" | "soakFlows" | "gatewayRun" | "profiles"> = {
      gateway: { toXmpp: [], toSip: [] },
      soak: [],
      soakFlows: [],
      gatewayRun: { seconds: Number.NaN, cpuSeconds: Number.NaN, rssEndMiB: Number.NaN },
      profiles: [],
    };
    if (opts.only !== "baseline") {
      const [proxyPort, rtpPort] = [await freePort(), await freePort()];
      await sipSide.call("sip.start", {
        target: { host: drachtio.sipHost, port: drachtio.sipPort },
        responderPort: proxyPort,
      });
      const gwPrefix = path.join(profDir, "gateway");
      const gateway: GatewayProcess = await startGateway({
        xmpp: component,
        drachtio: { host: drachtio.host, port: drachtio.port, secret: drachtio.secret },
        rtpengine: { host: "127.0.0.1", port: rtpPort },
        sipDomains: [server.componentDomain],
        compiled: true,
        env: {
          GATEWAY_SIP_OUTBOUND_PROXY: `sip:127.0.0.1:${proxyPort}`,
          GATEWAY_IM_RATE_LIMIT: "0",
          GATEWAY_LOG_LEVEL: "warn",
          GATEWAY_RTPENGINE_PING_INTERVAL: "5000",
          // The hook only acts on signals: SIGUSR2 (CPU profile, only with profiling on), SIGWINCH (live heap).
          NODE_OPTIONS: `--import ${PROFILER_HOOK}`,
          BENCH_PROFILE_PREFIX: gwPrefix,
        },
      });
      cleanups.push(() => gateway.stop());
      await gateway.waitFor((h) => h.links.xmpp.up && h.links.sip.up, 30_000, "XMPP and SIP links up");
      const gwPid = gateway.child.pid ?? -1;
      bench.watch({ name: "gateway", pid: gwPid });
      log(`gateway up (pid ${gwPid})`);
      await sleep(1000);
      const gwStart = { at: nowMs(), cpu: cpuSeconds(gwPid) ?? 0 };

      log(`soak: 5 x ${opts.soakChunk} messages at ${opts.soakRate}/s each direction`);
      let memProbes = 0;
      const liveHeapMiB = async (): Promise<number> => {
        gateway.child.kill("SIGWINCH");
        const file = `${gwPrefix}-mem-${++memProbes}.json`;
        const until = nowMs() + 10_000;
        while (!existsSync(file) && nowMs() < until) await sleep(50);
        if (!existsSync(file)) return Number.NaN;
        return (JSON.parse(readFileSync(file, "utf8")) as { heapUsed: number }).heapUsed / 2 ** 20;
      };
      const soak = await bench.soak(gwPid, liveHeapMiB, (p) =>
        log(
          `gateway after ${p.messages} messages: RSS ${p.rssMiB.toFixed(1)} MiB, live heap ${p.liveHeapMiB.toFixed(1)} MiB`,
        ),
      );
      for (const r of soak.flows) if (r.lost > 0) log(`soak: ${r.direction} lost ${r.lost}`);
      gw.soak = soak.points;
      gw.soakFlows = soak.flows;

      let gwProfiles = 0;
      let drProfiles = 0;
      const targets = [
        {
          name: "gateway",
          signal: () => gateway.child.kill("SIGUSR2"),
          prefix: gwPrefix,
          count: () => ++gwProfiles,
        },
        ...(drachtioWorker
          ? [
              {
                name: "drachtio",
                signal: () => drachtioWorker.signal("SIGUSR2"),
                prefix: path.join(profDir, "drachtio"),
                count: () => ++drProfiles,
              },
            ]
          : []),
      ];
      const toXmpp = await profiled(opts.profile, targets, () =>
        bench.stepping("gateway", "sip->xmpp", stepLog),
      );
      const toSip = await profiled(opts.profile, targets, () =>
        bench.stepping("gateway", "xmpp->sip", stepLog),
      );
      const end = { at: nowMs(), cpu: cpuSeconds(gwPid) ?? 0, rssMiB: (rssKiB(gwPid) ?? Number.NaN) / 1024 };
      gw.gateway = { toXmpp: toXmpp.value, toSip: toSip.value };
      gw.gatewayRun = {
        seconds: (end.at - gwStart.at) / 1000,
        cpuSeconds: end.cpu - gwStart.cpu,
        rssEndMiB: end.rssMiB,
      };
      for (const [direction, files] of [
        ["sip->xmpp", toXmpp.files],
        ["xmpp->sip", toSip.files],
      ] as const) {
        for (const f of files)
          gw.profiles.push({ process: f.name, direction, summary: summarizeProfile(f.file, ROOT) });
      }
      if (keepTestDirs) log(`CPU profiles kept in ${profDir}`);
    }

    const result: BenchResult = {
      date: new Date(started).toISOString(),
      command,
      options: opts,
      machine: describeMachine(server, drachtioReal),
      processes: bench.processNames,
      baseline,
      ...gw,
      durationSeconds: (Date.now() - started) / 1000,
    };
    writeReport(result, opts.out);
    if (opts.out) log(`wrote ${path.relative(process.cwd(), opts.out)}`);
  } finally {
    // Last started, first stopped.
    for (const c of cleanups.reverse())
      await c().catch((e: unknown) => console.error(`cleanup: ${String(e)}`));
    clearTimeout(watchdog);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
