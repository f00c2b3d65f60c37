/**
 * Loopback port helpers for the end-to-end test bench.
 *
 * Everything here binds 127.0.0.1 only.
 */
import dgram from "node:dgram";
import { readFile } from "node:fs/promises";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const HOST = "127.0.0.1";

/** Ports handed out by this process, so two calls never return the same port (or overlapping ranges). */
const handedOut = new Set<number>();

function tryBindTcp(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(null));
    server.listen({ host: HOST, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address != null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

function tryBindUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: "udp4", reuseAddr: false });
    socket.unref();
    socket.once("error", () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: HOST, port, exclusive: true }, () => {
      socket.close(() => resolve(true));
    });
  });
}

/** A port on 127.0.0.1 that is currently free for both TCP and UDP (found by binding port 0). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryBindTcp(0);
    if (port == null || handedOut.has(port)) continue;
    if (!(await tryBindUdp(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error("freePort: could not find a free TCP+UDP port on 127.0.0.1");
}

/**
 * `count` consecutive ports (starting at an even port) that are free for TCP and UDP on 127.0.0.1.
 * They are taken below the kernel's ephemeral range (20000-32767), so ports later handed out by
 * `freePort()` (bind to port 0) cannot fall inside the range. Used for RTP port ranges and sipp's media ports.
 */
export async function freePortRange(count: number): Promise<{ min: number; max: number }> {
  if (!Number.isInteger(count) || count < 1 || count > 2000)
    throw new Error(`freePortRange: bad count ${count}`);
  const low = 20000;
  const high = 32760 - count;
  for (let attempt = 0; attempt < 100; attempt++) {
    const min = low + 2 * Math.floor((Math.random() * (high - low)) / 2);
    const max = min + count - 1;
    const ports = Array.from({ length: count }, (_, i) => min + i);
    if (ports.some((port) => handedOut.has(port))) continue;
    const checks = await Promise.all(
      ports.map(async (port) => (await tryBindUdp(port)) && (await tryBindTcp(port)) === port),
    );
    if (checks.includes(false)) continue;
    for (let port = min; port <= max; port++) handedOut.add(port);
    return { min, max };
  }
  throw new Error(`freePortRange: could not find ${count} consecutive free ports on 127.0.0.1`);
}

function connectOnce(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export interface WaitOptions {
  /** Stop waiting early (for example when the server process exited). */
  signal?: AbortSignal;
  /** Delay between attempts, default 25 ms. */
  intervalMs?: number;
}

/** Resolves once a TCP connection to host:port succeeds; rejects after timeoutMs or when `signal` aborts. */
export async function waitForTcp(
  host: string,
  port: number,
  timeoutMs: number,
  opts: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const interval = opts.intervalMs ?? 25;
  for (;;) {
    opts.signal?.throwIfAborted();
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`waitForTcp: ${host}:${port} not reachable within ${timeoutMs} ms`);
    if (await connectOnce(host, port, Math.min(left, 1000))) return;
    await sleep(Math.min(interval, Math.max(deadline - Date.now(), 1)));
  }
}

/**
 * Whether something is bound to 127.0.0.1:port (or 0.0.0.0:port), read from /proc/net (Linux only).
 * Unlike a test bind or connect this does not disturb the process that owns the port.
 */
export async function isPortBound(port: number, protocol: "udp" | "tcp"): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const wanted = new Set([`0100007F:${hexPort}`, `00000000:${hexPort}`]);
  const table = await readFile(`/proc/net/${protocol}`, "utf8");
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const state = fields[3];
    if (local == null || !wanted.has(local)) continue;
    // UDP sockets show state 07 (closed/unconnected), listening TCP sockets 0A.
    if (protocol === "udp" || state === "0A") return true;
  }
  return false;
}

/** Resolves once `port` shows up as bound in /proc/net/{udp,tcp}. */
export async function waitForBound(
  port: number,
  protocol: "udp" | "tcp",
  timeoutMs: number,
  opts: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    if (await isPortBound(port, protocol)) return;
    if (Date.now() >= deadline)
      throw new Error(`waitForBound: ${protocol} port ${port} not bound within ${timeoutMs} ms`);
    await sleep(opts.intervalMs ?? 25);
  }
}
