/**
 * GET /health: 200 when every link is up, 503 otherwise, with each link's state as JSON. For
 * Docker's HEALTHCHECK and for load balancers; disabled unless `health.port` is set.
 */
import { createServer, type Server } from "node:http";
import type { Health } from "./health.js";

export async function startHealthServer(health: Health, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url !== "/health" && req.url !== "/")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const body = JSON.stringify({ ok: health.allUp, links: health.snapshot() });
    res.writeHead(health.allUp ? 200 : 503, { "content-type": "application/json" }).end(body + "\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
