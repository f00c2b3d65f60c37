// Helpers for the drachtio test server's tests: free ports, sipp runs, drachtio-srf connections, waiting.
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import Srf from "drachtio-srf";
import type { DrachtioTestServer } from "../../support/drachtio/index.js";
import { SipMessage } from "../../support/drachtio/sip-message.js";

export const SCENARIOS = fileURLToPath(new URL("../../support/drachtio/scenarios/", import.meta.url));
const FIXTURE = fileURLToPath(
  new URL("../../fixtures/drachtio-wire/drachtio-server-0.9.10.jsonl", import.meta.url),
);

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

/** The parts of drachtio-srf these tests use (its bundled typings miss several of them). */
export interface SrfReq {
  method: string;
  uri: string;
  protocol: string;
  body: string;
  get(name: string): string;
  has(name: string): boolean;
  on(event: "response", listener: (res: SrfRes) => void): void;
  on(event: "cancel", listener: () => void): void;
  cancel(callback?: (err: unknown) => void): void;
}
export interface SrfRes {
  status: number;
  get(name: string): string;
  send(status: number, opts?: { headers?: Record<string, string>; body?: string }): void;
}
export interface SrfDialog {
  id: string;
  on(event: string, listener: (...args: unknown[]) => void): void;
  destroy(): Promise<void>;
  request(opts: { method: string; headers?: Record<string, string>; body?: string }): Promise<SrfRes>;
}
type Handler = (req: SrfReq, res: SrfRes) => void;
export interface TestSrf {
  connect(opts: { host: string; port: number; secret: string }): void;
  disconnect(): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  once(event: string, listener: (...args: unknown[]) => void): void;
  message(h: Handler): void;
  options(h: Handler): void;
  invite(h: Handler): void;
  subscribe(h: Handler): void;
  request(
    uri: string,
    opts: { method: string; headers?: Record<string, string>; body?: string },
    callback: (err: unknown, req: SrfReq) => void,
  ): void;
  createUAS(
    req: SrfReq,
    res: SrfRes,
    opts: { localSdp?: string; headers?: Record<string, string> },
  ): Promise<SrfDialog>;
  createUAC(
    uri: string,
    opts: { method?: string; localSdp?: string; headers?: Record<string, string> },
    progress?: { cbRequest?: (err: unknown, req: SrfReq) => void; cbProvisional?: (res: SrfRes) => void },
  ): Promise<SrfDialog>;
}

/**
 * Sends a request and resolves with the status of its final response. Uses drachtio-srf's callback form: its
 * Promise form resolves a tick late, after a response that arrives together with the echo has been emitted.
 */
export function requestStatus(
  srf: TestSrf,
  uri: string,
  opts: { method: string; headers?: Record<string, string>; body?: string },
): Promise<number> {
  return new Promise((resolve, reject) =>
    srf.request(uri, opts, (err, req) => {
      if (err) return reject(err as Error);
      req.on("response", (res) => res.status >= 200 && resolve(res.status));
    }),
  );
}

/** A drachtio-srf instance connected (and authenticated) to the server. */
export async function connectSrf(
  server: DrachtioTestServer,
  setup?: (srf: TestSrf) => void,
): Promise<TestSrf> {
  const srf = new Srf() as unknown as TestSrf;
  srf.on("error", () => undefined); // connection errors while the server restarts are expected
  setup?.(srf);
  await new Promise<void>((resolve, reject) => {
    srf.once("connect", (err) => (err ? reject(err as Error) : resolve()));
    srf.connect({ host: server.host, port: server.adminPort, secret: server.secret });
  });
  return srf;
}

/** A scripted SIP peer on a raw UDP socket. */
export class UdpPeer {
  readonly received: SipMessage[] = [];
  private constructor(
    private readonly sock: dgram.Socket,
    readonly port: number,
  ) {
    sock.on("message", (buf) => this.received.push(SipMessage.parse(buf)));
  }

  static async open(): Promise<UdpPeer> {
    const sock = dgram.createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
    return new UdpPeer(sock, sock.address().port);
  }

  send(text: string, port: number): void {
    this.sock.send(text, port, "127.0.0.1");
  }

  /** Waits for the n-th (1-based) received message that matches. */
  async next(what: string, pred: (m: SipMessage) => boolean, nth = 1, timeoutMs = 5000): Promise<SipMessage> {
    await waitFor(what, () => this.received.filter(pred).length >= nth, timeoutMs);
    return this.received.filter(pred)[nth - 1]!;
  }

  close(): void {
    this.sock.close();
  }
}

export interface ReqOpts {
  method: string;
  from: { port: number; transport?: "UDP" | "TCP" };
  to: number;
  branch: string;
  callId: string;
  cseq?: number;
  toTag?: string;
  body?: string;
  extra?: string[];
}

/** A request as a simple UA would write it. */
export function sipRequest(o: ReqOpts): string {
  const t = o.from.transport ?? "UDP";
  const body = o.body ?? "";
  return [
    `${o.method} sip:svc@127.0.0.1:${o.to} SIP/2.0`,
    `Via: SIP/2.0/${t} 127.0.0.1:${o.from.port};branch=${o.branch}`,
    `From: <sip:peer@127.0.0.1:${o.from.port}>;tag=peer-${o.callId}`,
    `To: <sip:svc@127.0.0.1:${o.to}>${o.toTag ? `;tag=${o.toTag}` : ""}`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq ?? 1} ${o.method}`,
    `Contact: <sip:peer@127.0.0.1:${o.from.port}${t === "TCP" ? ";transport=tcp" : ""}>`,
    "Max-Forwards: 70",
    ...(o.extra ?? []),
    ...(body ? ["Content-Type: text/plain"] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ].join("\r\n");
}

/** A response to `req` as a simple UA would write it. */
export function sipResponse(
  req: SipMessage,
  status: number,
  reason: string,
  toTag?: string,
  extra: string[] = [],
): string {
  const to = req.get("to") ?? "";
  return [
    `SIP/2.0 ${status} ${reason}`,
    ...req.getAll("via").map((v) => `Via: ${v}`),
    `From: ${req.get("from")}`,
    `To: ${toTag && !/;tag=/.test(to) ? `${to};tag=${toTag}` : to}`,
    `Call-ID: ${req.callId}`,
    `CSeq: ${req.get("cseq")}`,
    ...extra,
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
}
