/**
 * The drachtio-compatible test server (test/support/drachtio) in a process of its own, so that the
 * benchmark can measure its CPU apart from the load generators and the gateway.
 */
import { startDrachtioTestServer, type DrachtioTestServer } from "../test/support/drachtio/index.js";
import { serveRpc } from "./rpc.js";

let server: DrachtioTestServer | undefined;
let trim: NodeJS.Timeout | undefined;

serveRpc({
  start: async () => {
    server = await startDrachtioTestServer();
    // The test server keeps a transcript of every admin message for assertions: unbounded under load.
    const s = server;
    trim = setInterval(() => {
      s.transcript.length = 0;
    }, 500);
    return { host: s.host, port: s.adminPort, secret: s.secret, sipPort: s.sipPort };
  },
  stop: async () => {
    clearInterval(trim);
    await server?.stop();
    server = undefined;
  },
});
