/**
 * Per-process CPU and memory from /proc (Linux only): CPU time is utime+stime of /proc/<pid>/stat,
 * in clock ticks, summed over every process of a group (the XMPP server may run helper processes),
 * shown as % of one core over a wall-clock window; RSS is VmRSS of /proc/<pid>/status.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
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

/** Resident set size in KiB (VmRSS); undefined when the process is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
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
  machine: { busy: number; total: number };
}

export interface CpuUsage {
  /** % of one core per watched process over the window. */
  perProcess: Record<string, number>;
  /** % of all cores of the machine that were busy (100 = every core busy). */
  machineBusy: number;
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
    for (const w of this.watched) {
      perProcess.set(w.name, w.group ? groupCpuSeconds(w.pid) : (cpuSeconds(w.pid) ?? Number.NaN));
    }
    return { at: nowMs(), perProcess, machine: machineTicks() };
  }

  static usage(a: CpuSample, b: CpuSample): CpuUsage {
    const seconds = (b.at - a.at) / 1000;
    const perProcess: Record<string, number> = {};
    for (const [name, end] of b.perProcess) {
      const start = a.perProcess.get(name) ?? Number.NaN;
      perProcess[name] = seconds > 0 ? ((end - start) / seconds) * 100 : Number.NaN;
    }
    const dt = b.machine.total - a.machine.total;
    const machineBusy = dt > 0 ? ((b.machine.busy - a.machine.busy) / dt) * 100 : Number.NaN;
    return { perProcess, machineBusy, seconds };
  }
}
