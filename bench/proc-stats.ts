/**
 * Per-process CPU and memory from /proc (Linux only): CPU time is utime+stime of /proc/<pid>/stat,
 * in clock ticks, summed over every process of a group (the XMPP server may run helper processes),
 * shown as % of one core over a wall-clock window; RSS is VmRSS of /proc/<pid>/status.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import { nowMs } from "./stats.js";

function clockTicksPerSecond(): number {
  try {
    const v = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(v) && v > 0 ? v : 100;
  } catch {
    return 100;
  }
}
const CLK_TCK = clockTicksPerSecond();
const CORES = os.cpus().length;

interface StatFields {
  pgrp: number;
  /** utime + stime, in seconds */
  cpuSeconds: number;
}

function readStat(pid: number): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
  const pgrp = Number(fields[2]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { pgrp, cpuSeconds: (utime + stime) / CLK_TCK };
}

/** CPU seconds (user+sys) a process has used so far; undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  return readStat(pid)?.cpuSeconds;
}

/**
 * Scheduler statistics of a process's main thread (/proc/<pid>/schedstat): nanoseconds spent
 * running and nanoseconds spent runnable but waiting for a core.
 */
function schedstat(pid: number): { runNs: number; waitNs: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, "utf8").trim().split(/\s+/).map(Number);
    return run === undefined || wait === undefined ? undefined : { runNs: run, waitNs: wait };
  } catch {
    return undefined;
  }
}

/** Resident set size in KiB (VmRSS); undefined when the process is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The command name of a process with its first argument, e.g. "node eslint" or "lua5.4 prosody". */
function commOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    const base = (s: string | undefined): string => (s ?? "").split("/").pop() ?? "";
    if (argv.length > 0) return [base(argv[0]), base(argv[1])].filter(Boolean).join(" ").slice(0, 40);
    return `[${readFileSync(`/proc/${pid}/comm`, "utf8").trim()}]`;
  } catch {
    return `[${pid}]`;
  }
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The processes whose command line contains `needle` (e.g. a server's private directory). */
export function pidsByCmdline(needle: string): number[] {
  const found: number[] = [];
  for (const pid of allPids()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").includes(needle)) found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** CPU seconds of `pid` and, when it leads a process group, of every other process in that group. */
function groupCpuSeconds(pid: number): number {
  const own = readStat(pid);
  if (!own) return Number.NaN;
  if (own.pgrp !== pid) return own.cpuSeconds;
  let total = own.cpuSeconds;
  for (const p of allPids()) {
    if (p === pid) continue;
    const s = readStat(p);
    if (s?.pgrp === pid) total += s.cpuSeconds;
  }
  return total;
}

/** Busy and total jiffies of the whole machine (all cores), from the "cpu" line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

export interface Watched {
  /** Name shown in tables, e.g. "gateway". */
  name: string;
  pid: number;
  /** Count the whole process group the pid leads (for servers that fork helpers). */
  group?: boolean;
}

export interface CpuSample {
  at: number;
  perProcess: Map<string, number>;
  mainThread: Map<string, { runNs: number; waitNs: number }>;
  machine: { busy: number; total: number };
  /** CPU seconds of every process on the machine, to name the unwatched ones that were busy */
  all: Map<number, { name: string; cpu: number }>;
}

export interface CpuUsage {
  /** % of one core per watched process over the window (all its threads). */
  perProcess: Record<string, number>;
  /**
   * Its main thread (the event loop of a Node process), in % of the window: running, and runnable
   * but waiting for a core. running + waiting near 100 % means the thread had no slack.
   */
  mainThread: Record<string, { running: number; waiting: number }>;
  /** % of all cores of the machine that were busy (100 = every core busy). */
  machineBusy: number;
  /** % of one core used by everything not watched (the bench driver, the kernel, other users of the machine) */
  other: number;
  /** the busiest unwatched processes over the window, "name pid: %" */
  topOther: string[];
  seconds: number;
}

/** Samples CPU time of a set of processes; the difference of two samples is a CpuUsage. */
export class CpuMeter {
  constructor(private readonly watched: Watched[]) {}

  get names(): string[] {
    return this.watched.map((w) => w.name);
  }

  sample(): CpuSample {
    const perProcess = new Map<string, number>();
    const mainThread = new Map<string, { runNs: number; waitNs: number }>();
    for (const w of this.watched) {
      perProcess.set(w.name, w.group ? groupCpuSeconds(w.pid) : (cpuSeconds(w.pid) ?? Number.NaN));
      const st = schedstat(w.pid);
      if (st) mainThread.set(w.name, st);
    }
    const all = new Map<number, { name: string; cpu: number }>();
    for (const pid of allPids()) {
      const st = readStat(pid);
      if (st) all.set(pid, { name: commOf(pid), cpu: st.cpuSeconds });
    }
    return { at: nowMs(), perProcess, mainThread, machine: machineTicks(), all };
  }

  /** The watched processes and, for groups, their group members. */
  private watchedPids(): Set<number> {
    const pids = new Set(this.watched.map((w) => w.pid));
    const groups = new Set(this.watched.filter((w) => w.group).map((w) => w.pid));
    for (const pid of allPids()) if (groups.has(readStat(pid)?.pgrp ?? -1)) pids.add(pid);
    return pids;
  }

  usage(a: CpuSample, b: CpuSample): CpuUsage {
    const watchedPids = this.watchedPids();
    const seconds = (b.at - a.at) / 1000;
    const perProcess: Record<string, number> = {};
    for (const [name, end] of b.perProcess) {
      const start = a.perProcess.get(name) ?? Number.NaN;
      perProcess[name] = seconds > 0 ? ((end - start) / seconds) * 100 : Number.NaN;
    }
    const dt = b.machine.total - a.machine.total;
    const machineBusy = dt > 0 ? ((b.machine.busy - a.machine.busy) / dt) * 100 : Number.NaN;
    const watched = Object.values(perProcess).reduce((x, y) => x + (Number.isFinite(y) ? y : 0), 0);
    const other = Math.max(0, machineBusy * CORES - watched);
    const topOther = [...b.all.entries()]
      .filter(([pid]) => !watchedPids.has(pid))
      .map(([pid, p]) => ({ pid, name: p.name, pct: ((p.cpu - (a.all.get(pid)?.cpu ?? 0)) / seconds) * 100 }))
      .filter((p) => p.pct >= 2)
      .sort((x, y) => y.pct - x.pct)
      .slice(0, 3)
      .map((p) => `${p.name} ${p.pid}: ${p.pct.toFixed(0)} %`);
    const mainThread: CpuUsage["mainThread"] = {};
    const ns = seconds * 1e9;
    for (const [name, end] of b.mainThread) {
      const start = a.mainThread.get(name);
      if (!start || ns <= 0) continue;
      mainThread[name] = {
        running: ((end.runNs - start.runNs) / ns) * 100,
        waiting: ((end.waitNs - start.waitNs) / ns) * 100,
      };
    }
    return { perProcess, mainThread, machineBusy, other, topOther, seconds };
  }
}
