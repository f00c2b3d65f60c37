// A drachtio-compatible SIP server for tests: speaks drachtio-server v0.9.10's admin protocol to drachtio-srf and
// real SIP over UDP and TCP on loopback. The files of this directory:
//   wire.ts            admin protocol framing and tokenising
//   sip-message.ts     SIP message parse/serialise; sip-addr.ts URIs, name-addrs, Via
//   sip-transport.ts   UDP and TCP on one port
//   transactions.ts    RFC 3261 section 17 server transactions and the transaction layer;
//                      client-transaction.ts the client side (retransmission, timeouts, ACK, CANCEL)
//   dialogs.ts         dialogs and in-dialog request building
//   uas.ts / uac.ts    what drachtio-server does with requests from the network / from the application
//   cancel.ts          CANCEL both ways (and CANCEL crossing the application's 200)
//   compose.ts         application headers and bodies in the messages the stack writes
//   core.ts            state shared by the above; admin-connection.ts one drachtio-srf connection
//   server.ts          start / stop / restart; scenarios/ holds sipp scenarios for the tests
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
