// The drachtio server tests talk to: a real drachtio-server given by environment variables, or the
// drachtio-compatible test server started in-process.
import { startDrachtioTestServer } from "./drachtio/index.js";

export interface DrachtioEndpoint {
  host: string;
  port: number;
  secret: string;
  sipHost: string;
  sipPort: number;
  real: boolean;
  stop(): Promise<void>;
  restart?(): Promise<void>;
}

/** When DRACHTIO_HOST, DRACHTIO_PORT, DRACHTIO_SECRET and DRACHTIO_SIP (host:port of its SIP listener) are all set, returns that real drachtio-server (restart undefined); otherwise starts the test server. */
export async function getDrachtioEndpoint(): Promise<DrachtioEndpoint> {
  const { DRACHTIO_HOST, DRACHTIO_PORT, DRACHTIO_SECRET, DRACHTIO_SIP } = process.env;
  if (DRACHTIO_HOST && DRACHTIO_PORT && DRACHTIO_SECRET && DRACHTIO_SIP) {
    const m = /^(.*):(\d+)$/.exec(DRACHTIO_SIP);
    if (!m) throw new Error(`DRACHTIO_SIP must be host:port, got ${JSON.stringify(DRACHTIO_SIP)}`);
    return {
      host: DRACHTIO_HOST,
      port: Number(DRACHTIO_PORT),
      secret: DRACHTIO_SECRET,
      sipHost: (m[1] ?? "").replace(/^\[|\]$/g, ""),
      sipPort: Number(m[2]),
      real: true,
      stop: async () => undefined,
    };
  }
  const server = await startDrachtioTestServer();
  return {
    host: server.host,
    port: server.adminPort,
    secret: server.secret,
    sipHost: server.host,
    sipPort: server.sipPort,
    real: false,
    stop: () => server.stop(),
    restart: () => server.restart(),
  };
}
