// Helpers for the drachtio test server's tests: free ports, sipp runs, drachtio-srf connections, waiting.
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import Srf from "drachtio-srf";
import type { DrachtioTestServer } from "../../support/drachtio/index.js";

export const SCENARIOS = fileURLToPath(new URL("../../support/drachtio/scenarios/", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../../fixtures/drachtio-wire/drachtio-server-0.9.10.jsonl", import.meta.url));

export type WireMsg = { dir: "app->server" | "server->app"; msg: string };

/** The reference transcript, by scenario name, in recorded order. */
export function referenceScenarios(): Map<string, WireMsg[]> {
  const out = new Map<string, WireMsg[]>();
  let current: WireMsg[] = [];
  for (const line of readFileSync(FIXTURE, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { scenario?: string } & Partial<WireMsg>;
    if (o.scenario) out.set(o.scenario, (current = []));
    else if (o.dir && o.msg !== undefined) current.push({ dir: o.dir, msg: o.msg });
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export async function freePort(kind: "udp" | "tcp" = "udp"): Promise<number> {
  if (kind === "tcp") {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** True once something is bound to 127.0.0.1:port/udp. */
async function udpInUse(port: number): Promise<boolean> {
  const s = dgram.createSocket("udp4");
  return new Promise((resolve) => {
    s.once("error", () => resolve(true));
    s.bind(port, "127.0.0.1", () => s.close(() => resolve(false)));
  });
}

export interface SippRun {
  port: number;
  done: Promise<{ code: number | null; output: string }>;
  kill(): void;
}

/** Runs one sipp call with a scenario from test/support/drachtio/scenarios, on loopback ports only. */
export async function startSipp(scenario: string, remote?: string): Promise<SippRun> {
  const [port, cp, mp] = [await freePort(), await freePort(), await freePort()];
  const args = ["-sf", `${SCENARIOS}${scenario}`, "-i", "127.0.0.1", "-p", String(port)];
  args.push("-ci", "127.0.0.1", "-cp", String(cp), "-mi", "127.0.0.1", "-mp", String(mp));
  args.push("-nostdin", "-m", "1", "-recv_timeout", "5000", "-timeout", "20s");
  if (remote) args.push(remote);
  const proc = spawn("sipp", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => {
    proc.on("close", (code) => resolve({ code, output }));
    proc.on("error", (e) => resolve({ code: -1, output: `${output}\n${e.message}` }));
  });
  const t0 = Date.now();
  while (!remote && !(await udpInUse(port)) && Date.now() - t0 < 5000) await sleep(20);
  return { port, done, kill: () => proc.kill("SIGKILL") };
}

/** A drachtio-srf instance connected (and authenticated) to the server. */
export async function connectSrf(server: DrachtioTestServer, setup?: (srf: Srf) => void): Promise<Srf> {
  const srf = new Srf();
  srf.on("error", () => undefined); // connection errors while the server restarts are expected
  setup?.(srf);
  await new Promise<void>((resolve, reject) => {
    srf.once("connect", (err: Error | undefined) => (err ? reject(err) : resolve()));
    void srf.connect({ host: server.host, port: server.adminPort, secret: server.secret });
  });
  return srf;
}
