/**
 * What the SIP and XMPP load generators share: the message body (step, sequence number and send
 * time, so any receiver in any process can compute the latency on the machine-wide monotonic
 * clock), a pacer that offers a fixed rate, and the receiver-side log of arrivals.
 */
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { nowMs } from "./stats.js";

/** "bench <step> <seq> <send time ms>": short, plain ASCII, the same text in SIP and XMPP. */
export function benchBody(step: number, seq: number, sentAt: number): string {
  return `bench ${step} ${seq} ${sentAt.toFixed(3)}`;
}

export interface BenchStamp {
  step: number;
  seq: number;
  sentAt: number;
}

export function parseBenchBody(text: string | null | undefined): BenchStamp | undefined {
  if (!text?.startsWith("bench ")) return undefined;
  const [, step, seq, sentAt] = text.split(" ");
  const s = { step: Number(step), seq: Number(seq), sentAt: Number(sentAt) };
  return Number.isFinite(s.step) && Number.isFinite(s.seq) && Number.isFinite(s.sentAt) ? s : undefined;
}

/** XMPP stanza id of a bench message, so that an error stanza can be attributed to its step. */
export function benchId(step: number, seq: number): string {
  return `b${step}-${seq}`;
}

export function parseBenchId(id: string | undefined): { step: number; seq: number } | undefined {
  const m = /^b(\d+)-(\d+)$/.exec(id ?? "");
  return m ? { step: Number(m[1]), seq: Number(m[2]) } : undefined;
}

export interface PacedResult {
  sent: number;
  /** monotonic ms of the first and last send */
  firstAt: number;
  lastAt: number;
}

/**
 * Calls `send(i)` for i = 0 .. count-1 at `rate` per second: every millisecond timer tick sends
 * what is due by then (at most `maxBurst`, so a starved process does not flood when it wakes up).
 * Bounded by `count` and by three times the planned duration (at least 3 s) of wall time.
 */
export async function runPaced(
  rate: number,
  count: number,
  send: (i: number) => void,
  maxBurst = 500,
): Promise<PacedResult> {
  const start = nowMs();
  const hardStop = start + Math.max(3000, (count / rate) * 1000 * 3);
  let sent = 0;
  let lastAt = start;
  while (sent < count) {
    const now = nowMs();
    if (now > hardStop) break;
    const due = Math.min(count, Math.floor(((now - start) * rate) / 1000) + 1);
    const end = Math.min(due, sent + maxBurst);
    for (; sent < end; sent++) send(sent);
    lastAt = nowMs();
    if (sent < count) await sleep(1);
  }
  return { sent, firstAt: start, lastAt };
}

export interface SinkStats {
  received: number;
  duplicates: number;
  /** one-way latency of every first arrival, ms */
  latencies: number[];
  /** first arrivals at or before `windowEnd` (to compute the achieved rate over the send window) */
  inWindow: number;
  lastArrival: number;
  /** error stanzas (or error responses) seen for this step */
  errors: number;
}

interface StepLog {
  seen: Set<number>;
  latencies: number[];
  arrivals: number[];
  duplicates: number;
  errors: number;
  lastArrival: number;
}

/** Arrivals per step at one receiver process. Arrivals for a step already collected are counted as late. */
export class ArrivalLog {
  private readonly steps = new Map<number, StepLog>();
  private readonly closed = new Set<number>();
  /** arrivals after their step was collected */
  late = 0;

  private log(step: number): StepLog | undefined {
    if (this.closed.has(step)) {
      this.late++;
      return undefined;
    }
    let l = this.steps.get(step);
    if (!l) {
      l = { seen: new Set(), latencies: [], arrivals: [], duplicates: 0, errors: 0, lastArrival: 0 };
      this.steps.set(step, l);
    }
    return l;
  }

  record(stamp: BenchStamp, at = nowMs()): void {
    const l = this.log(stamp.step);
    if (!l) return;
    if (l.seen.has(stamp.seq)) {
      l.duplicates++;
      return;
    }
    l.seen.add(stamp.seq);
    l.latencies.push(at - stamp.sentAt);
    l.arrivals.push(at);
    l.lastArrival = at;
  }

  recordError(step: number): void {
    const l = this.log(step);
    if (l) l.errors++;
  }

  progress(step: number): number {
    return this.steps.get(step)?.seen.size ?? 0;
  }

  /** Returns the step's numbers and forgets its samples. */
  collect(step: number, windowEnd: number): SinkStats {
    const l = this.steps.get(step);
    this.steps.delete(step);
    this.closed.add(step);
    if (!l) return { received: 0, duplicates: 0, latencies: [], inWindow: 0, lastArrival: 0, errors: 0 };
    let inWindow = 0;
    for (const a of l.arrivals) if (a <= windowEnd) inWindow++;
    if (process.env.BENCH_TRACE) {
      const rows = l.arrivals.map(
        (a, i) => `${(a - (l.latencies[i] ?? 0)).toFixed(3)} ${(l.latencies[i] ?? 0).toFixed(3)}`,
      );
      appendFileSync(`${process.env.BENCH_TRACE}/step${step}-${process.pid}.txt`, rows.join("\n") + "\n");
    }
    return {
      received: l.seen.size,
      duplicates: l.duplicates,
      latencies: l.latencies.map((v) => Math.round(v * 1000) / 1000),
      inWindow,
      lastArrival: l.lastArrival,
      errors: l.errors,
    };
  }
}

/** Adds up the numbers of several receiver processes for one step. */
export function mergeSinkStats(parts: SinkStats[]): SinkStats {
  const out: SinkStats = {
    received: 0,
    duplicates: 0,
    latencies: [],
    inWindow: 0,
    lastArrival: 0,
    errors: 0,
  };
  for (const p of parts) {
    out.received += p.received;
    out.duplicates += p.duplicates;
    out.inWindow += p.inWindow;
    out.errors += p.errors;
    out.lastArrival = Math.max(out.lastArrival, p.lastArrival);
    for (const v of p.latencies) out.latencies.push(v);
  }
  return out;
}
