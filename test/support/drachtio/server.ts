// The test server process-in-a-class: the admin listener, the SIP transport and the core, started and stopped
// together; restart() brings it back on the same ports so that drachtio-srf reconnects by itself.
import { appendFileSync } from "node:fs";
import net from "node:net";
import { AdminConnection } from "./admin-connection.js";
import { SipCore } from "./core.js";
import type { SipMessage } from "./sip-message.js";
import { SipTransport, type Peer } from "./sip-transport.js";
import { onNetworkRequest } from "./uas.js";

export const VERSION = "v0.9.10-drachtio-test-server";

export interface ServerSettings {
  secret: string;
  host: string;
  adminPort: number;
  sipPort: number;
  t1Ms: number;
  timerBMs: number;
  logFile?: string;
}

export class TestServer {
  readonly transcript: Array<{ dir: "app->server" | "server->app"; msg: string }> = [];
  private admin?: net.Server;
  private transport?: SipTransport;
  private core?: SipCore;
  private readonly conns = new Set<AdminConnection>();

  constructor(private readonly s: ServerSettings) {}

  get host(): string {
    return this.s.host;
  }
  get adminPort(): number {
    return this.s.adminPort;
  }
  get sipPort(): number {
    return this.s.sipPort;
  }
  get secret(): string {
    return this.s.secret;
  }

  log(text: string): void {
    if (this.s.logFile) appendFileSync(this.s.logFile, `${new Date().toISOString()} ${text}\n`);
  }

  async start(): Promise<void> {
    const transport = new SipTransport(this.s.host);
    await transport.listen(this.s.sipPort);
    this.s.sipPort = transport.port;
    const { t1Ms: t1, timerBMs: timerB } = this.s;
    const core = new SipCore(transport, { t1, t2: 8 * t1, t4: 10 * t1, timerB }, (t) => this.log(t));
    transport.on("log", (t: string) => this.log(t));
    transport.on("message", (msg: SipMessage, peer: Peer, bytes: number) => {
      this.log(`sip in from ${peer.protocol}/${peer.address}:${peer.port}: ${msg.startLine()}`);
      if (msg.isRequest) onNetworkRequest(core, msg, peer, bytes);
      else if (!core.txns.receiveResponse(msg, peer, bytes))
        this.log(`discarding stray response ${msg.startLine()}`);
    });
    const hostports = `tcp/${this.s.host}:${transport.port},udp/${this.s.host}:${transport.port}`;
    const ctx = {
      secret: this.s.secret,
      hostports,
      version: VERSION,
      record: (dir: "app->server" | "server->app", msg: string) => {
        this.transcript.push({ dir, msg });
        this.log(`${dir} ${msg}`);
      },
      log: (t: string) => this.log(t),
    };
    const admin = net.createServer((sock) => {
      const conn = new AdminConnection(sock, core, ctx);
      this.conns.add(conn);
      sock.on("close", () => this.conns.delete(conn));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        admin.once("error", reject);
        admin.listen(this.s.adminPort, this.s.host, resolve);
      });
    } catch (e) {
      await transport.close();
      throw e;
    }
    this.s.adminPort = (admin.address() as net.AddressInfo).port;
    Object.assign(this, { admin, transport, core });
    this.log(`listening: admin ${this.s.host}:${this.s.adminPort}, sip ${hostports}`);
  }

  async stop(): Promise<void> {
    const { admin, transport, core } = this;
    this.admin = this.transport = this.core = undefined;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    core?.stop();
    await Promise.all([
      new Promise<void>((resolve) => (admin ? admin.close(() => resolve()) : resolve())),
      transport?.close(),
    ]);
    this.log("stopped");
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
