/**
 * A real rtpengine (Debian package rtpengine-daemon, 10.5) in userspace mode for end-to-end tests:
 * NG control protocol on a free loopback UDP port, media on a private port range.
 */
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, freePortRange, waitForBound } from "./ports.js";
import { ManagedProcess, makeTempDir, removeTempDir, serverStartTimeoutMs, restartable } from "./process.js";

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
