/**
 * The IM benchmark's results as Markdown: printed, and written between the bench:begin and
 * bench:end markers of docs/benchmarks.md (text outside the markers, such as a hand-written
 * reading of a run, is kept).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { ProfileSummary } from "./cpu-profile.js";
import type { CpuUsage } from "./proc-stats.js";
import { fmt, type LatencySummary } from "./stats.js";

export type System = "baseline" | "gateway";
export type Direction = "sip->xmpp" | "xmpp->sip";

export interface FlowResult {
  system: System;
  direction: Direction;
  /** offered rate, messages/s */
  offered: number;
  sent: number;
  /** rate the source actually managed */
  sendRate: number;
  received: number;
  lost: number;
  duplicates: number;
  /** error stanzas back at the XMPP senders */
  errors: number;
  /** first arrivals within the send window / the send window */
  achieved: number;
  latency: LatencySummary;
  /** SIP -> XMPP through the gateway: the SIP generator's view */
  sip?: { finals: Record<string, number>; retransmits: number; unanswered: number; answer: LatencySummary };
  cpu: CpuUsage;
  /** how long the step waited for other users of the machine to calm down */
  waitedForQuietMs: number;
  verdict: string;
}

export interface Machine {
  cores: number;
  model: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  xmppServer: string;
  drachtio: string;
  /** the commit measured, and whether src/ had uncommitted changes */
  code: string;
}

export interface RssPoint {
  messages: number;
  rssMiB: number;
  cpuSeconds: number;
  /** V8 heap in use right after a forced full GC */
  liveHeapMiB: number;
}

export interface ProfileResult {
  process: string;
  direction: Direction;
  summary: ProfileSummary;
}

export interface BenchResult {
  date: string;
  command: string;
  options: {
    server: string;
    quick: boolean;
    duration: number;
    rates: number[];
    soakChunk: number;
    soakRate: number;
    profile: boolean;
    xmppWorkers: number;
    users: number;
    sipUsers: number;
  };
  machine: Machine;
  processes: string[];
  baseline: { toXmpp: FlowResult[]; toSip: FlowResult[] };
  gateway: { toXmpp: FlowResult[]; toSip: FlowResult[] };
  soak: RssPoint[];
  soakFlows: FlowResult[];
  gatewayRun: { seconds: number; cpuSeconds: number; rssEndMiB: number };
  profiles: ProfileResult[];
  durationSeconds: number;
}

export const TARGETS = { toXmpp: 6000, toSip: 3000, p99At1000: 10 };
const BEGIN = "<!-- bench:begin -->";
const END = "<!-- bench:end -->";

const arrow = (d: Direction): string => (d === "sip->xmpp" ? "SIP → XMPP" : "XMPP → SIP");
const int = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "-");

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The highest step with verdict ok, and the step that ended the stepping (if any). */
function ceiling(steps: FlowResult[]): { best?: FlowResult; stop?: FlowResult } {
  const best = [...steps].reverse().find((s) => s.verdict === "ok");
  const last = steps[steps.length - 1];
  return { best, stop: last && last.verdict !== "ok" ? last : undefined };
}

function ceilingCell(steps: FlowResult[], target?: number): string {
  const { best, stop } = ceiling(steps);
  let s = best ? `**${int(best.offered)}/s** (achieved ${int(best.achieved)})` : "none";
  if (stop) s += `; ${int(stop.offered)}/s: ${stop.verdict}`;
  else if (best) s += "; highest step offered, ceiling not reached";
  if (target !== undefined && best) s += best.offered >= target ? " ✔" : " ✘";
  return s;
}

function at1000(steps: FlowResult[]): string {
  const s = steps.find((x) => x.offered === 1000);
  if (!s) return "-";
  const mark = s.latency.p99 < TARGETS.p99At1000 ? " ✔" : " ✘";
  return `${fmt(s.latency.p50, 2)} / ${fmt(s.latency.p99, 2)} ms${mark}${s.lost > 0 ? ` (lost ${s.lost})` : ""}`;
}

function summaryTable(r: BenchResult): string {
  return table(
    [
      "",
      "SIP → XMPP: highest sustained step (zero loss)",
      "XMPP → SIP: highest sustained step (zero loss)",
      "SIP → XMPP p50 / p99 at 1,000/s",
      "XMPP → SIP p50 / p99 at 1,000/s",
    ],
    [
      [
        "Target (issue)",
        `≥ ${int(TARGETS.toXmpp)}/s`,
        `≥ ${int(TARGETS.toSip)}/s`,
        `p99 < ${TARGETS.p99At1000} ms`,
        `p99 < ${TARGETS.p99At1000} ms`,
      ],
      [
        "**Gateway** (this run)",
        ceilingCell(r.gateway.toXmpp, TARGETS.toXmpp),
        ceilingCell(r.gateway.toSip, TARGETS.toSip),
        at1000(r.gateway.toXmpp),
        at1000(r.gateway.toSip),
      ],
      [
        "Baseline: bare @xmpp/component (this run)",
        ceilingCell(r.baseline.toXmpp),
        ceilingCell(r.baseline.toSip),
        at1000(r.baseline.toXmpp),
        at1000(r.baseline.toSip),
      ],
      [
        "Reference (issue, same kind of 2-core machine)",
        "XMPP server ceiling ≈ 9,200/s; Kamailio xmpp module ≈ 5,100/s",
        "-",
        "-",
        "-",
      ],
    ],
  );
}

function cpuCells(r: FlowResult, processes: string[]): string[] {
  return processes.map((p) => fmt(r.cpu.perProcess[p] ?? Number.NaN, 0));
}

/** CPU time a process spent per message sent in the step, in µs. */
function usPerMessage(r: FlowResult, process: string): number {
  const pct = r.cpu.perProcess[process] ?? Number.NaN;
  return r.sent > 0 ? ((pct / 100) * r.cpu.seconds * 1e6) / r.sent : Number.NaN;
}

function stepsTable(steps: FlowResult[], processes: string[]): string {
  return table(
    [
      "offered/s",
      "sent/s",
      "achieved/s",
      "sent",
      "delivered",
      "lost",
      "p50 ms",
      "p99 ms",
      "max ms",
      "SIP final answers to the generator",
      ...processes.map((p) => `CPU ${p} %`),
      ...(processes.includes("gateway") ? ["gateway CPU µs/msg"] : []),
      "CPU other %",
      "machine busy %",
      "verdict",
    ],
    steps.map((s) => [
      int(s.offered),
      int(s.sendRate),
      int(s.achieved),
      int(s.sent),
      int(s.received),
      int(s.lost),
      fmt(s.latency.p50, 2),
      fmt(s.latency.p99, 2),
      fmt(s.latency.max, 1),
      s.sip
        ? Object.entries(s.sip.finals)
            .map(([k, v]) => `${k}×${int(v)}`)
            .join(" ") +
          ` (p50/p99 ${fmt(s.sip.answer.p50, 1)}/${fmt(s.sip.answer.p99, 1)} ms)` +
          (s.sip.retransmits > 0 ? `, ${int(s.sip.retransmits)} retx` : "") +
          (s.sip.unanswered > 0 ? `, ${int(s.sip.unanswered)} unanswered` : "")
        : s.errors > 0
          ? `${int(s.errors)} XMPP errors`
          : "-",
      ...cpuCells(s, processes),
      ...(processes.includes("gateway") ? [fmt(usPerMessage(s, "gateway"), 0)] : []),
      fmt(s.cpu.other, 0) + (s.cpu.topOther.length > 0 ? ` (${s.cpu.topOther.join(", ")})` : ""),
      fmt(s.cpu.machineBusy, 0),
      s.verdict,
    ]),
  );
}

function rssTable(r: BenchResult): string {
  const first = r.soak[0];
  return table(
    [
      "gateway after",
      "RSS MiB",
      "Δ RSS since start MiB",
      "live heap after full GC MiB",
      "gateway CPU s (cumulative)",
    ],
    r.soak.map((p) => [
      p.messages === 0 ? "start (idle, links up)" : `${int(p.messages)} messages`,
      fmt(p.rssMiB, 1),
      first ? fmt(p.rssMiB - first.rssMiB, 1) : "-",
      fmt(p.liveHeapMiB, 1),
      fmt(p.cpuSeconds, 2),
    ]),
  );
}

function soakLine(r: BenchResult): string {
  const by = (d: Direction) => r.soakFlows.filter((f) => f.direction === d);
  return (["sip->xmpp", "xmpp->sip"] as const)
    .map((d) => {
      const fs = by(d);
      const sent = fs.reduce((a, f) => a + f.sent, 0);
      const lost = fs.reduce((a, f) => a + f.lost, 0);
      const p99 = Math.max(...fs.map((f) => f.latency.p99));
      return `${arrow(d)}: ${int(sent)} sent, ${int(lost)} lost, worst chunk p99 ${fmt(p99, 2)} ms`;
    })
    .join("; ");
}

function profileSection(r: BenchResult): string {
  if (r.profiles.length === 0) return "_Profiling was off (--no-profile)._";
  return r.profiles
    .map((p) => {
      const s = p.summary;
      const origins = table(
        ["code origin", "self %", "incl. %"],
        s.byOrigin.slice(0, 10).map((e) => [`\`${e.name}\``, fmt(e.self, 1), fmt(e.total, 1)]),
      );
      const fns = table(
        ["function", "self %", "incl. %"],
        s.byFunction.slice(0, 12).map((e) => [`\`${e.name}\``, fmt(e.self, 1), fmt(e.total, 1)]),
      );
      return (
        `#### ${p.process}, during the ${arrow(p.direction)} steps\n\n` +
        `Main thread busy ${fmt(s.busy, 0)} % of ${fmt(s.seconds, 1)} s profiled; shares below are of the busy time.\n\n` +
        `${origins}\n\n${fns}`
      );
    })
    .join("\n\n");
}

/**
 * CPU per message of every process (µs of CPU time per message sent), at 1,000/s and at the
 * highest passing step: 10^6 / that is what one core could carry if the process had it alone.
 */
function costTable(r: BenchResult): string {
  const rows: string[][] = [];
  const runs: Array<[string, FlowResult[]]> = [
    ["Gateway SIP → XMPP", r.gateway.toXmpp],
    ["Gateway XMPP → SIP", r.gateway.toSip],
    ["Baseline SIP → XMPP", r.baseline.toXmpp],
    ["Baseline XMPP → SIP", r.baseline.toSip],
  ];
  for (const [name, steps] of runs) {
    const picks = new Set([steps.find((s) => s.offered === 1000), ceiling(steps).best]);
    for (const s of picks) {
      if (!s) continue;
      rows.push([
        name,
        int(s.offered),
        ...r.processes.map((p) =>
          s.system === "baseline" && (p === "gateway" || p === "drachtio") ? "" : fmt(usPerMessage(s, p), 0),
        ),
      ]);
    }
  }
  return table(["run", "step/s", ...r.processes.map((p) => `${p} µs/msg`)], rows);
}

/** Main threads' running and waiting-for-a-core time in each gateway step (from /proc/<pid>/schedstat). */
function contentionTable(r: BenchResult): string {
  const rows: string[][] = [];
  for (const [d, steps] of [
    ["sip->xmpp", r.gateway.toXmpp],
    ["xmpp->sip", r.gateway.toSip],
  ] as const) {
    for (const s of steps) {
      rows.push([
        `${arrow(d)} ${int(s.offered)}/s`,
        ...r.processes.map((p) => {
          const m = s.cpu.mainThread[p];
          return m ? `${fmt(m.running, 0)} + ${fmt(m.waiting, 0)}` : "-";
        }),
      ]);
    }
  }
  return table(["gateway step", ...r.processes.map((p) => `${p} run + wait %`)], rows);
}

/** Which process ran out of CPU where the stepping stopped (or at the highest step). */
function bottleneckLines(r: BenchResult): string[] {
  const lines: string[] = [];
  const runs: Array<[string, FlowResult[]]> = [
    ["Gateway SIP → XMPP", r.gateway.toXmpp],
    ["Gateway XMPP → SIP", r.gateway.toSip],
    ["Baseline SIP → XMPP", r.baseline.toXmpp],
    ["Baseline XMPP → SIP", r.baseline.toSip],
  ];
  for (const [name, steps] of runs) {
    const s = steps[steps.length - 1];
    if (!s) continue;
    const procs = Object.entries(s.cpu.perProcess)
      .filter(([, v]) => Number.isFinite(v))
      .sort((a, b) => b[1] - a[1]);
    const hot = procs
      .slice(0, 4)
      .map(([p, v]) => {
        const m = s.cpu.mainThread[p];
        const main = m
          ? ` [main thread ${fmt(m.running, 0)} % running + ${fmt(m.waiting, 0)} % waiting for a core]`
          : "";
        return `${p} ${fmt(v, 0)} %${v >= 90 ? " (saturated: one core)" : ""}${main}`;
      })
      .join(", ");
    const where =
      s.verdict === "ok"
        ? `highest step ${int(s.offered)}/s passed`
        : `stopped at ${int(s.offered)}/s (${s.verdict})`;
    lines.push(
      `- ${name}: ${where}; machine ${fmt(s.cpu.machineBusy, 0)} % busy (of ${r.machine.cores} cores); ` +
        `busiest: ${hot}; everything else ${fmt(s.cpu.other, 0)} %.`,
    );
  }
  return lines;
}

export function renderReport(r: BenchResult): string {
  const m = r.machine;
  const o = r.options;
  const gw = r.gatewayRun;
  const procs = r.processes;
  const sections = [
    `## Latest run${o.quick ? " (--quick: a check that the bench works, not a measurement)" : ""}`,
    [
      `- Date: ${r.date}; whole run ${fmt(r.durationSeconds, 0)} s`,
      `- Command: \`${r.command}\``,
      `- Machine: ${m.cores} cores, ${m.model}, ${fmt(m.memoryGiB, 1)} GiB RAM, ${m.kernel}; Node ${m.node}`,
      `- XMPP server: ${m.xmppServer}; drachtio: ${m.drachtio}`,
      `- Gateway code: ${m.code}`,
      `- Load: ${o.users} XMPP clients (user0..user${o.users - 1}) in ${o.xmppWorkers} processes; SIP generator and responder ` +
        `in one process (4 UDP sockets, ${o.sipUsers} SIP users); steps of ${o.duration} s at ${o.rates.map(int).join(", ")}/s; ` +
        `stepping stops at the first step not sustained: a lost message, achieved < 95 % of offered, or median latency > 100 ms (a queue building up); "lost" means not delivered within the drain time after the step's last send (its duration, at least 3 s, at most 10 s). Bodies are ~35 bytes ("bench <step> <seq> <send time>").`,
      `- Gateway: compiled (\`node dist/src/main.js\`, as \`npm start\` runs it); GATEWAY_IM_RATE_LIMIT=0 (the per-sender limit, 20/s by default, is off), GATEWAY_LOG_LEVEL=warn, ` +
        `other settings default; ${o.profile ? "V8 CPU profiler on during its steps (1 ms sampling)" : "no profiler"}.`,
      `- The machine may be shared: before each step the bench waits (up to 15 s) until processes outside it use under 25 % of one core; ` +
        `"CPU other" in the tables shows what was running anyway.`,
      `- Everything on 127.0.0.1 on this one machine: the load generators, clients, XMPP server, drachtio and the gateway share the cores.`,
    ].join("\n"),
    `### Summary\n\n${summaryTable(r)}`,
    `### Steps\n\nLatency is one-way, send to first arrival, on the machine-wide monotonic clock. CPU is % of one core per process over each step's send window (xmpp-server counts its whole process group); "other" is the rest of the machine's busy time (kernel, the bench driver, anything else running), in % of one core.\n\n` +
      (["gateway", "baseline"] as const)
        .flatMap((sys) =>
          (["toXmpp", "toSip"] as const).map((k) => {
            const steps = r[sys][k];
            const d: Direction = k === "toXmpp" ? "sip->xmpp" : "xmpp->sip";
            const shown =
              sys === "gateway" ? procs : procs.filter((p) => p !== "gateway" && p !== "drachtio");
            return `#### ${sys === "gateway" ? "Gateway" : "Baseline (bare component)"}, ${arrow(d)}\n\n${stepsTable(steps, shown)}`;
          }),
        )
        .join("\n\n"),
    `### Gateway memory and CPU\n\nSoak before the gateway's steps: 5 × ${int(o.soakChunk)} messages, half each direction at the same time, ${int(o.soakRate)}/s each. ${soakLine(r)}.\n\n${rssTable(r)}\n\n` +
      `Gateway CPU from links up to the end of its steps (soak and steps): ${fmt(gw.cpuSeconds, 1)} s user+sys in ${fmt(gw.seconds, 1)} s = ${fmt((gw.cpuSeconds / gw.seconds) * 100, 0)} % of one core on average; RSS at the end ${fmt(gw.rssEndMiB, 1)} MiB.`,
    `### Where the CPU goes\n\n${bottleneckLines(r).join("\n")}\n\n` +
      `Main thread of each process during the gateway's steps, in % of the step: running + runnable but waiting for a core (/proc/<pid>/schedstat; for ejabberd the main thread is not where the work is):\n\n${contentionTable(r)}\n\n` +
      `CPU time per message, by process (µs of user+sys per message offered; 1,000,000 / µs = messages/s one core could carry for that process alone):\n\n${costTable(r)}\n\n` +
      `CPU profiles (V8 sampling profiler in the process, 1 ms). On a saturated machine a process is also sampled while it waits for a core, ` +
      `so functions that wake another process (socket writes) look heavier than their own CPU; the µs/msg above come from /proc and do not have this bias.\n\n${profileSection(r)}`,
  ];
  return sections.join("\n\n");
}

const HEADER = `# IM benchmarks

Pager-mode IM (RFC 3428 MESSAGE <-> XMPP chat messages) through the gateway, with a baseline measured in the
same run. Produced by \`npm run bench\` (bench/im-bench.ts); options: \`--server prosody|ejabberd\` (default
prosody), \`--quick\` (a check under a minute that does not write this file unless \`--out\` is given),
\`--duration S\` (per step, default 5), \`--max-rate R\`, \`--no-profile\`, \`--out FILE\`, \`--only gateway|baseline\`
(a development aid).

Everything between the bench markers below is rewritten by each run; the reading after them is written by hand.
`;

/** Prints the report and, with `out`, writes it into that Markdown file between the markers. */
export function writeReport(r: BenchResult, out: string | undefined): void {
  const body = renderReport(r);
  console.log(`\n${body}\n`);
  if (!out) return;
  const generated = `${BEGIN}\n\n${body}\n\n${END}`;
  let doc: string;
  const old = existsSync(out) ? readFileSync(out, "utf8") : "";
  const a = old.indexOf(BEGIN);
  const b = old.indexOf(END);
  if (a >= 0 && b > a) doc = old.slice(0, a) + generated + old.slice(b + END.length);
  else doc = `${HEADER}\n${generated}\n`;
  writeFileSync(out, doc);
}
