/**
 * Reads a V8 .cpuprofile (as written by --cpu-prof or bench/profiler-hook.mjs) and sums its
 * samples by function and by code origin (a package in node_modules, a file of src/, Node's own
 * code, the garbage collector), self and inclusive (a sample counts once for every function or
 * origin anywhere on its stack).
 */
import { readFileSync } from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  name: string;
  /** % of busy (non-idle) samples with this on top of the stack */
  self: number;
  /** % of busy samples with this anywhere on the stack */
  total: number;
}

export interface ProfileSummary {
  file: string;
  seconds: number;
  /** % of the profiled wall time the thread was not idle */
  busy: number;
  byOrigin: ProfileEntry[];
  byFunction: ProfileEntry[];
}

/** Where a frame's code comes from: "node_modules/<pkg>", "src/<dir>/<file>", "node:<module>", or a V8 pseudo-frame. */
export function originOf(url: string, functionName: string, root: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = url.slice(nm + "/node_modules/".length).split("/");
    return (parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1] ?? ""}` : (parts[0] ?? "")) || url;
  }
  if (url.startsWith("node:")) {
    const m = url.slice(5).split("/");
    return `node:${m[0] === "internal" ? `internal/${m[1] ?? ""}` : (m[0] ?? "")}`.replace(/\.js$/, "");
  }
  const file = url.startsWith("file://") ? url.slice(7) : url;
  return path.relative(root, file) || file;
}

export function summarizeProfile(file: string, root: string, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const label = (n: ProfileNode): string => {
    const f = n.callFrame;
    const o = originOf(f.url, f.functionName, root);
    const name = f.functionName || "(anonymous)";
    if (o === "(native)") return `${name} (native)`;
    if (o.startsWith("(")) return o;
    // Line numbers of .ts files are those of tsx's output, not of the source: left out.
    return o.endsWith(".ts") ? `${name} (${o})` : `${name} (${o}:${f.lineNumber + 1})`;
  };

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const originSelf = new Map<string, number>();
  const originTotal = new Map<string, number>();
  let busy = 0;
  const add = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  for (const id of p.samples) {
    const leaf = byId.get(id);
    if (!leaf || leaf.callFrame.functionName === "(idle)") continue;
    busy++;
    add(self, label(leaf));
    add(originSelf, originOf(leaf.callFrame.url, leaf.callFrame.functionName, root));
    const seen = new Set<string>();
    const seenOrigin = new Set<string>();
    for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
      if (n.callFrame.functionName === "(root)") break;
      const l = label(n);
      const o = originOf(n.callFrame.url, n.callFrame.functionName, root);
      if (!seen.has(l)) {
        seen.add(l);
        add(total, l);
      }
      if (!seenOrigin.has(o)) {
        seenOrigin.add(o);
        add(originTotal, o);
      }
    }
  }
  const pct = (v: number): number => (busy > 0 ? (v / busy) * 100 : 0);
  const entries = (s: Map<string, number>, t: Map<string, number>): ProfileEntry[] =>
    [...s.entries()]
      .map(([name, v]) => ({ name, self: pct(v), total: pct(t.get(name) ?? v) }))
      .sort((a, b) => b.self - a.self)
      .slice(0, top);
  return {
    file,
    seconds: (p.endTime - p.startTime) / 1e6,
    busy: p.samples.length > 0 ? (busy / p.samples.length) * 100 : 0,
    byOrigin: entries(originSelf, originTotal),
    byFunction: entries(self, total),
  };
}

/** The inclusive share of the functions whose label matches `pattern` (e.g. /winston|logform/). */
export function inclusiveShare(file: string, root: string, pattern: RegExp): number {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  let busy = 0;
  let hit = 0;
  for (const id of p.samples) {
    const leaf = byId.get(id);
    if (!leaf || leaf.callFrame.functionName === "(idle)") continue;
    busy++;
    for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const f = n.callFrame;
      if (pattern.test(`${f.functionName} ${originOf(f.url, f.functionName, root)}`)) {
        hit++;
        break;
      }
    }
  }
  return busy > 0 ? (hit / busy) * 100 : 0;
}
