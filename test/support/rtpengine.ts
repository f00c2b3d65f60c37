/**
 * A real rtpengine (Debian package rtpengine-daemon, 10.5) in userspace mode for end-to-end tests:
 * NG control protocol on a free loopback UDP port, media on a private port range.
 *
 * Besides starting it: `ngCommand` sends one NG command through rtpengine-client, `queryCall` turns
 * an NG `query` into per-tag packet counters (to prove from rtpengine's own counters that RTP flowed
 * both ways), `listCalls` lists the call-ids it still holds (to check that a test left no call behind).
 */
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, freePortRange, waitForBound } from "./ports.js";
import { ManagedProcess, makeTempDir, removeTempDir, serverStartTimeoutMs, restartable } from "./process.js";
import { Client, type NgResponse } from "rtpengine-client";

const HOST = "127.0.0.1";

export interface RtpengineOptions {
  /** Size of the private media port range, default 100 (a call uses 4-8 ports). */
  portCount?: number;
  /** rtpengine --log-level, default 6 (info); 7 logs every NG message in full. */
  logLevel?: number;
  /** More command line arguments. */
  extraArgs?: string[];
}

export interface Rtpengine {
  host: string;
  /** NG control protocol (UDP) port. */
  ngPort: number;
  portMin: number;
  portMax: number;
  dir: string;
  logFile: string;
  /** Stops rtpengine and removes its directory (unless KEEP_TEST_DIRS=1). Safe to call twice. */
  stop(): Promise<void>;
  /** Stops and starts again on the same ports. */
  restart(): Promise<void>;
}

/**
 * One NG "ping" over UDP (bencode, no library): resolves true on "pong", false on timeout.
 */
export function ngPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const cookie = randomBytes(8).toString("hex");
    const socket = dgram.createSocket("udp4");
    const timer = setTimeout(() => done(false), timeoutMs);
    function done(ok: boolean): void {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.close();
      resolve(ok);
    }
    socket.on("error", () => done(false));
    socket.on("message", (msg) => {
      const text = msg.toString("latin1");
      if (text.startsWith(`${cookie} `)) done(text.includes("6:result4:pong"));
    });
    socket.bind(0, HOST, () => socket.send(`${cookie} d7:command4:pinge`, port, host));
  });
}

export async function startRtpengine(opts: RtpengineOptions = {}): Promise<Rtpengine> {
  const dir = await makeTempDir("rtpengine");
  let proc: ManagedProcess | undefined;
  try {
    const ngPort = await freePort();
    const range = await freePortRange(opts.portCount ?? 100);
    const logFile = path.join(dir, "rtpengine.log");
    const args = [
      "--config-file=none", // otherwise it reads /etc/rtpengine/rtpengine.conf
      "--table=-1", // userspace only, no kernel module
      `--interface=${HOST}`,
      `--listen-ng=${HOST}:${ngPort}`,
      `--port-min=${range.min}`,
      `--port-max=${range.max}`,
      "--foreground",
      "--log-stderr",
      `--log-level=${opts.logLevel ?? 6}`,
      `--pidfile=${path.join(dir, "rtpengine.pid")}`,
      "--delete-delay=0", // free a deleted call's ports at once (the range is small)
      ...(opts.extraArgs ?? []),
    ];

    const start = async (): Promise<void> => {
      const p = ManagedProcess.start({
        name: "rtpengine",
        command: "rtpengine",
        args,
        cwd: dir,
        logFile,
        stopTimeoutMs: 5000,
      });
      proc = p;
      await p.waitReady(async (signal) => {
        // A ping sent before the NG socket is bound is silently lost (costing a whole ping timeout),
        // so first wait for the socket to show up in /proc/net/udp.
        await waitForBound(ngPort, "udp", serverStartTimeoutMs, { signal, intervalMs: 10 });
        while (!(await ngPing(HOST, ngPort, 200))) {
          signal.throwIfAborted();
          await sleep(20);
        }
      }, serverStartTimeoutMs);
    };
    const stopProcess = async (): Promise<void> => {
      const p = proc;
      proc = undefined;
      if (p) await p.stop();
    };

    const engine: Rtpengine = {
      host: HOST,
      ngPort,
      portMin: range.min,
      portMax: range.max,
      dir,
      logFile,
      ...restartable("rtpengine", dir, start, stopProcess),
    };
    await start();
    return engine;
  } catch (err) {
    await proc?.stop();
    await removeTempDir(dir);
    throw err;
  }
}

/** The NG commands the typed rtpengine-client declaration offers. */
export type NgCommandName = "ping" | "offer" | "answer" | "delete" | "query" | "list";

/**
 * Sends one NG command with rtpengine-client (a fresh client on an ephemeral loopback port, closed
 * afterwards) and resolves with rtpengine's reply as it is: check `result` ("ok", "pong", "error" with
 * "error-reason"). Rejects on timeout.
 */
export async function ngCommand(
  host: string,
  port: number,
  command: NgCommandName,
  params: Record<string, unknown> = {},
  timeoutMs = 2000,
): Promise<NgResponse> {
  const client = new Client({ localAddress: HOST, localPort: 0, timeout: timeoutMs, rejectOnError: false });
  // rtpengine-client emits "error" for late or unknown replies; without a listener that would throw.
  client.on("error", () => undefined);
  try {
    switch (command) {
      case "ping":
        return await client.ping(port, host);
      case "list":
        return await client.list(port, host, params);
      default:
        return await client[command](port, host, params);
    }
  } finally {
    client.close();
  }
}

type NgTarget = Pick<Rtpengine, "host" | "ngPort">;

/** Packet counters of one leg (one tag) of a call, from an NG `query`. */
export interface LegCounters {
  tag: string;
  /** Packets (RTP and RTCP) rtpengine received from this leg's endpoint: the sum of its streams' `stats.packets`. */
  packetsIn: number;
  bytesIn: number;
  /** Packets rtpengine could not handle (e.g. SRTP authentication failures). */
  errorsIn: number;
  /**
   * Packets towards this leg: rtpengine 10.5 reports no egress counter in `query`, so this is the sum of
   * `packetsIn` of the tags this tag subscribes to (what rtpengine received to forward here). Prove
   * delivery with the receiving peer's own count.
   */
  packetsOut: number;
  bytesOut: number;
  /** The tags whose media this leg receives ("subscriptions"). */
  subscriptions: string[];
  /** Where rtpengine sends this leg's media (the latched or signalled endpoint of the first stream). */
  endpoint?: { address: string; port: number };
  /** rtpengine's local RTP ports for this leg. */
  localPorts: number[];
  /** "RTP/AVP", "UDP/TLS/RTP/SAVPF", ... of the first media. */
  protocol?: string;
  codec?: string;
  /** The first media's flags, e.g. ["initialized", "send", "recv", "rtcp-mux", "ICE", "ICE controlling"]. */
  mediaFlags: string[];
}

export interface CallCounters {
  callId: string;
  legs: Map<string, LegCounters>;
  /** `totals.RTP.packets` and `totals.RTCP.packets`. */
  totalRtpPackets: number;
  totalRtcpPackets: number;
  raw: NgResponse;
}

/*
 * What rtpengine 10.5 answers to `query` (seen on this machine, userspace, two legs "ta" and "tb"):
 * {
 *   result: "ok", created, created_us, "last signal", SSRC: {} (filled only once RTCP reports arrive),
 *   tags: {
 *     ta: {
 *       tag: "ta", created, subscriptions: [{ tag: "tb", type: "offer/answer" }], subscribers: [...same],
 *       medias: [{
 *         index: 1, type: "audio", protocol: "RTP/AVP", codec: "PCMU/8000",
 *         flags: ["initialized", "send", "recv", "rtcp-mux", "ICE"],   // "ICE controlling" on the leg it offered to
 *         streams: [
 *           { "local port": 26074, "local address": "127.0.0.1", family: "IPv4",
 *             endpoint: { family, address, port }, "advertised endpoint": { family, address, port },
 *             "last packet": <unix s>, flags: ["RTP", "RTCP", "filled", "ICE"], SSRC: <ingress ssrc>,
 *             stats: { packets: 25, bytes: 4300, errors: 0 } },          // received FROM this leg
 *           { "local port": 26075, ..., flags: ["RTCP", "fallback RTCP", "filled", "ICE"], stats: {...} },
 *         ],
 *       }],
 *     },
 *     tb: { ... },
 *   },
 *   totals: { RTP: { packets, bytes, errors }, RTCP: { packets, bytes, errors } },
 * }
 */

function record(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v != null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function num(v: unknown): number {
  return typeof v === "number" ? v : Number(v ?? 0) || 0;
}
function text(v: unknown): string | undefined {
  return typeof v === "string" ? v : Buffer.isBuffer(v) ? v.toString("utf8") : undefined;
}

/** Parses an NG `query` (or `delete`) reply into per-tag counters. */
export function callCounters(callId: string, raw: NgResponse): CallCounters {
  const legs = new Map<string, LegCounters>();
  for (const [tag, value] of Object.entries(record(raw.tags))) {
    const leg = record(value);
    const medias = list(leg.medias).map(record);
    const streams = medias.flatMap((m) => list(m.streams).map(record));
    const first = streams[0];
    const endpoint = record(first?.endpoint);
    legs.set(tag, {
      tag,
      packetsIn: streams.reduce((n, s) => n + num(record(s.stats).packets), 0),
      bytesIn: streams.reduce((n, s) => n + num(record(s.stats).bytes), 0),
      errorsIn: streams.reduce((n, s) => n + num(record(s.stats).errors), 0),
      packetsOut: 0,
      bytesOut: 0,
      subscriptions: list(leg.subscriptions)
        .map((s) => text(record(s).tag))
        .filter((t): t is string => t != null),
      endpoint:
        text(endpoint.address) != null
          ? { address: text(endpoint.address) ?? "", port: num(endpoint.port) }
          : undefined,
      localPorts: streams.filter((s) => list(s.flags).includes("RTP")).map((s) => num(s["local port"])),
      protocol: text(medias[0]?.protocol),
      codec: text(medias[0]?.codec),
      mediaFlags: list(medias[0]?.flags)
        .map(text)
        .filter((t): t is string => t != null),
    });
  }
  for (const leg of legs.values()) {
    for (const from of leg.subscriptions) {
      leg.packetsOut += legs.get(from)?.packetsIn ?? 0;
      leg.bytesOut += legs.get(from)?.bytesIn ?? 0;
    }
  }
  const totals = record(raw.totals);
  return {
    callId,
    legs,
    totalRtpPackets: num(record(totals.RTP).packets),
    totalRtcpPackets: num(record(totals.RTCP).packets),
    raw,
  };
}

/** NG `query` for one call, as per-tag counters. Rejects if rtpengine does not know the call. */
export async function queryCall(rtpengine: NgTarget, callId: string): Promise<CallCounters> {
  const reply = await ngCommand(rtpengine.host, rtpengine.ngPort, "query", { "call-id": callId });
  if (reply.result !== "ok") {
    throw new Error(`rtpengine query ${callId}: ${reply.result ?? "?"} ${reply["error-reason"] ?? ""}`);
  }
  return callCounters(callId, reply);
}

/** NG `list`: the call-ids rtpengine holds (at most `limit`, default 1000). */
export async function listCalls(rtpengine: NgTarget, limit = 1000): Promise<string[]> {
  const reply = await ngCommand(rtpengine.host, rtpengine.ngPort, "list", { limit });
  if (reply.result !== "ok") throw new Error(`rtpengine list: ${reply["error-reason"] ?? "?"}`);
  return list(reply.calls)
    .map(text)
    .filter((t): t is string => t != null);
}
