// A drachtio-compatible SIP server for tests: speaks drachtio-server's admin protocol to drachtio-srf and real
// SIP over UDP and TCP on loopback. See README-less overview in the report / files of this directory:
//   wire.ts (framing), sip-message.ts + sip-addr.ts (SIP syntax), sip-transport.ts (UDP/TCP),
//   transactions.ts (RFC 3261 17), dialogs.ts, uas.ts / uac.ts (what drachtio-server does with requests and
//   responses), admin-connection.ts (one drachtio-srf connection), server.ts (start/stop/restart).
import { TestServer } from "./server.js";

export interface DrachtioTestServerOptions {
  secret?: string;
  host?: string;
  adminPort?: number;
  sipPort?: number;
  /** RFC 3261 T1 in ms (default 500); T2 = 8*T1, T4 = 10*T1. */
  t1Ms?: number;
  /** Timers B/F/H in ms (default 64*T1, i.e. 32 s). */
  timerBMs?: number;
  /** Appends a debug log (admin traffic, SIP start lines, problems) to this file. */
  logFile?: string;
}

export interface DrachtioTestServer {
  host: string;
  adminPort: number;
  sipPort: number;
  secret: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** every framed admin message, for assertions */
  transcript: Array<{ dir: "app->server" | "server->app"; msg: string }>;
}

export async function startDrachtioTestServer(
  opts: DrachtioTestServerOptions = {},
): Promise<DrachtioTestServer> {
  const t1Ms = opts.t1Ms ?? 500;
  const server = new TestServer({
    secret: opts.secret ?? "cymru",
    host: opts.host ?? "127.0.0.1",
    adminPort: opts.adminPort ?? 0,
    sipPort: opts.sipPort ?? 0,
    t1Ms,
    timerBMs: opts.timerBMs ?? 64 * t1Ms,
    ...(opts.logFile ? { logFile: opts.logFile } : {}),
  });
  await server.start();
  return server;
}
