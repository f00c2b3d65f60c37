/**
 * Runs the real gateway (src/main.ts through tsx) as a child process, configured only through its
 * GATEWAY_* environment variables, with its health endpoint on a free loopback port. Tests talk to
 * it the way operators do: over XMPP, SIP, /health and signals.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DrachtioEndpoint } from "./drachtio-endpoint.js";
import { freePort } from "./ports.js";
import type { XmppServer } from "./xmpp-server.js";

export interface GatewayProcessOptions {
  xmpp: { host: string; port: number; domain: string; secret: string };
  drachtio: { host: string; port: number; secret: string };
  rtpengine: { host: string; port: number };
  sipDomains: string[];
  env?: Record<string, string>;
  /**
   * Run the compiled gateway (`dist/src/main.js`, as `npm start` does; build it first with
   * `npm run build`) instead of the sources through tsx. The benchmarks measure what users run.
   */
  compiled?: boolean;
}

export interface HealthBody {
  ok: boolean;
  links: Record<"xmpp" | "sip" | "media", { up: boolean; since: number; detail: string }>;
}

export interface GatewayProcess {
  healthUrl: string;
  logFile: string;
  child: ChildProcess;
  health(): Promise<HealthBody | undefined>;
  /** Polls /health until `pred` holds; resolves with the elapsed milliseconds. */
  waitFor(pred: (h: HealthBody) => boolean, timeoutMs: number, what: string): Promise<number>;
  /** SIGTERM and wait; resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  log(): string;
}

/** The gateway's XMPP settings for a test server (optionally with another secret). */
export function xmppOf(server: XmppServer, secret = server.componentSecret): GatewayProcessOptions["xmpp"] {
  return { host: server.host, port: server.componentPort, domain: server.componentDomain, secret };
}

/** The gateway's drachtio settings for an endpoint (optionally with another secret). */
export function drachtioOf(d: DrachtioEndpoint, secret = d.secret): GatewayProcessOptions["drachtio"] {
  return { host: d.host, port: d.port, secret };
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of running) c.kill("SIGKILL");
});

export async function startGateway(opts: GatewayProcessOptions): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), "gw-proc-"));
  const logFile = join(dir, "gateway.log");
  const healthPort = await freePort();
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    GATEWAY_XMPP_HOST: opts.xmpp.host,
    GATEWAY_XMPP_PORT: String(opts.xmpp.port),
    GATEWAY_XMPP_DOMAIN: opts.xmpp.domain,
    GATEWAY_XMPP_SECRET: opts.xmpp.secret,
    GATEWAY_XMPP_RECONNECT_DELAY: "200",
    GATEWAY_XMPP_RECONNECT_MAX_DELAY: "1000",
    GATEWAY_SIP_DOMAINS: opts.sipDomains.join(","),
    GATEWAY_DRACHTIO_HOST: opts.drachtio.host,
    GATEWAY_DRACHTIO_PORT: String(opts.drachtio.port),
    GATEWAY_DRACHTIO_SECRET: opts.drachtio.secret,
    GATEWAY_DRACHTIO_RECONNECT_MAX_DELAY: "1000",
    GATEWAY_SIP_TRUSTED_SOURCES: "127.0.0.1",
    GATEWAY_RTPENGINE_HOST: opts.rtpengine.host,
    GATEWAY_RTPENGINE_PORT: String(opts.rtpengine.port),
    GATEWAY_RTPENGINE_PING_INTERVAL: "500",
    GATEWAY_HEALTH_PORT: String(healthPort),
    GATEWAY_LOG_LEVEL: "debug",
    GATEWAY_LOG_FORMAT: "json",
    GATEWAY_SHUTDOWN_TIMEOUT: "3000",
    GATEWAY_PRESENCE_DATABASE: join(dir, "presence.sqlite"),
    ...opts.env,
  };
  const child = spawn(
    process.execPath,
    opts.compiled ? ["dist/src/main.js"] : ["--import", "tsx", "src/main.ts"],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(child);
  const out = createWriteStream(logFile);
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  const healthUrl = `http://127.0.0.1:${healthPort}/health`;

  const health = async (): Promise<HealthBody | undefined> => {
    try {
      const res = await fetch(healthUrl, { signal: AbortSignal.timeout(1000) });
      return (await res.json()) as HealthBody;
    } catch {
      return undefined;
    }
  };
  const log = () => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };

  return {
    healthUrl,
    logFile,
    child,
    health,
    log,
    async waitFor(pred, timeoutMs, what) {
      const t0 = Date.now();
      for (;;) {
        if (child.exitCode !== null)
          throw new Error(`gateway exited while waiting for ${what}:\n${log().slice(-3000)}`);
        const h = await health();
        if (h && pred(h)) return Date.now() - t0;
        if (Date.now() - t0 > timeoutMs) {
          throw new Error(
            `gateway: ${what} not reached in ${timeoutMs} ms; health ${JSON.stringify(h)}\n${log().slice(-3000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = "SIGTERM", timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      out.end();
      return code;
    },
  };
}
