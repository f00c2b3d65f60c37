// SIP over UDP and TCP on one local address and port.
//
// Outgoing requests over UDP may be "tracked": they then leave through a connected UDP socket bound to the same
// port (SO_REUSEADDR), so that an ICMP port-unreachable surfaces as ECONNREFUSED - sofia-sip reports that case to
// the application as a 503, which is what drachtio-server does when a UDP peer has gone away.
import dgram from "node:dgram";
import { EventEmitter } from "node:events";
import net from "node:net";
import { SipMessage } from "./sip-message.js";

export type Protocol = "udp" | "tcp";

export interface Peer {
  protocol: Protocol;
  address: string;
  port: number;
}

export type FailureHandler = (err: Error) => void;

interface Tracked {
  sock: dgram.Socket;
  refs: number;
  ready: boolean;
  queue: string[];
  listeners: Set<FailureHandler>;
}

interface Conn {
  sock: net.Socket;
  connected: boolean;
  queue: string[];
  failures: Set<FailureHandler>;
}

const key = (address: string, port: number): string => `${address}:${port}`;

/** Emits `message` (msg, peer, bytes) for every SIP message received, `log` (text) for problems. */
export class SipTransport extends EventEmitter {
  port = 0;
  private udp?: dgram.Socket;
  private server?: net.Server;
  private readonly conns = new Map<string, Conn>();
  private readonly tracked = new Map<string, Tracked>();

  constructor(readonly host: string) {
    super();
  }

  async listen(port: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      // find a port free for UDP without SO_REUSEADDR, then take TCP and UDP (shared-port capable) on it
      const probe = dgram.createSocket("udp4");
      await new Promise<void>((resolve, reject) =>
        probe.once("error", reject).bind(port, this.host, resolve),
      );
      const chosen = probe.address().port;
      const server = net.createServer((s) => this.adopt(s, true));
      const ok = await new Promise<boolean>((resolve, reject) => {
        server.once("error", (e: NodeJS.ErrnoException) =>
          port === 0 && e.code === "EADDRINUSE" ? resolve(false) : reject(e),
        );
        server.listen(chosen, this.host, () => resolve(true));
      }).finally(() => probe.close());
      if (!ok) {
        if (attempt > 20) throw new Error("no free port for SIP over UDP and TCP");
        continue;
      }
      const udp = dgram.createSocket({ type: "udp4", reuseAddr: true });
      udp.on("message", (buf, rinfo) => this.onDatagram(buf, rinfo));
      udp.on("error", (e) => this.emit("log", `udp error: ${e.message}`));
      await new Promise<void>((resolve, reject) =>
        udp.once("error", reject).bind(chosen, this.host, resolve),
      );
      Object.assign(this, { udp, server, port: chosen });
      return;
    }
  }

  async close(): Promise<void> {
    for (const c of this.conns.values()) c.sock.destroy();
    this.conns.clear();
    for (const t of this.tracked.values()) t.sock.close();
    this.tracked.clear();
    const server = this.server;
    const udp = this.udp;
    this.server = undefined;
    this.udp = undefined;
    await Promise.all([
      new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (udp ? udp.close(() => resolve()) : resolve())),
    ]);
  }

  hasConnection(peer: Peer): boolean {
    return peer.protocol === "udp" || this.conns.get(key(peer.address, peer.port))?.sock.destroyed === false;
  }

  /** Sends text to a peer; over TCP connects first if needed. `onFail` hears about connect/write errors. */
  send(peer: Peer, text: string, onFail?: FailureHandler): void {
    if (!this.mayReach(peer)) {
      this.emit("log", `not sending to ${peer.address}:${peer.port}: only loopback destinations are used`);
      if (onFail) setImmediate(() => onFail(new Error(`unreachable in tests: ${peer.address}`)));
      return;
    }
    if (peer.protocol === "udp") {
      const t = this.tracked.get(key(peer.address, peer.port));
      const done = (e: Error | null): void => void (e && onFail?.(e));
      if (t && !t.ready) t.queue.push(text);
      else if (t) t.sock.send(text, done);
      else this.udp?.send(text, peer.port, peer.address, done);
      return;
    }
    let conn = this.conns.get(key(peer.address, peer.port));
    if (!conn || conn.sock.destroyed) {
      const sock = net.connect({ host: peer.address, port: peer.port, localAddress: this.host });
      conn = this.adopt(sock, false, key(peer.address, peer.port));
    }
    if (onFail) conn.failures.add(onFail);
    if (conn.connected) conn.sock.write(text);
    else conn.queue.push(text);
  }

  /** Routes UDP traffic to `peer` through a connected socket so ICMP errors reach `onFail`; returns release. */
  track(peer: Peer, onFail: FailureHandler): () => void {
    if (peer.protocol !== "udp" || !this.udp || !this.mayReach(peer)) return () => undefined;
    const k = key(peer.address, peer.port);
    let t = this.tracked.get(k);
    if (!t) {
      const sock = dgram.createSocket({ type: "udp4", reuseAddr: true });
      const entry: Tracked = { sock, refs: 0, ready: false, queue: [], listeners: new Set() };
      t = entry;
      this.tracked.set(k, entry);
      sock.on("message", (buf, rinfo) => this.onDatagram(buf, rinfo));
      sock.on("error", (e) => {
        this.emit("log", `udp to ${k}: ${e.message}`);
        for (const l of [...entry.listeners]) l(e);
      });
      sock.bind(this.port, this.host, () =>
        sock.connect(peer.port, peer.address, () => {
          entry.ready = true;
          for (const text of entry.queue.splice(0)) sock.send(text);
        }),
      );
    }
    const entry = t;
    entry.refs++;
    entry.listeners.add(onFail);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.listeners.delete(onFail);
      if (--entry.refs === 0 && this.tracked.get(k) === entry) {
        this.tracked.delete(k);
        entry.sock.close();
      }
    };
  }

  /**
   * A test server sends nothing off the machine and looks up no names: destinations other than 127.0.0.0/8 (and
   * its own address) fail like an unreachable host does, with a 503 for a request.
   */
  private mayReach(peer: Peer): boolean {
    return /^127\.\d+\.\d+\.\d+$/.test(peer.address) || peer.address === this.host;
  }

  private onDatagram(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    if (buf.toString("latin1").trim() === "") return; // keep-alive
    this.deliver(buf, { protocol: "udp", address: rinfo.address, port: rinfo.port });
  }

  private deliver(buf: Buffer, peer: Peer): void {
    try {
      this.emit("message", SipMessage.parse(buf, true, "latin1"), peer, buf.length);
    } catch (e) {
      this.emit(
        "log",
        `discarding unparsable message from ${peer.address}:${peer.port}: ${(e as Error).message}`,
      );
    }
  }

  private adopt(
    sock: net.Socket,
    accepted: boolean,
    k = key(sock.remoteAddress ?? "", sock.remotePort ?? 0),
  ): Conn {
    const conn: Conn = { sock, connected: accepted, queue: [], failures: new Set() };
    this.conns.set(k, conn);
    let buf: Buffer = Buffer.alloc(0);
    sock.on("connect", () => {
      conn.connected = true;
      for (const text of conn.queue.splice(0)) sock.write(text);
    });
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      buf = this.drainStream(buf, {
        protocol: "tcp",
        address: sock.remoteAddress ?? "",
        port: sock.remotePort ?? 0,
      });
    });
    sock.on("error", (e) => {
      this.emit("log", `tcp ${k}: ${e.message}`);
      for (const f of conn.failures) f(e);
    });
    sock.on("close", () => {
      if (this.conns.get(k) === conn) this.conns.delete(k);
    });
    return conn;
  }

  /** Cuts complete messages (headers + Content-Length body) off a TCP stream buffer; returns the rest. */
  private drainStream(buf: Buffer, peer: Peer): Buffer {
    for (;;) {
      let start = 0;
      while (buf[start] === 0x0d || buf[start] === 0x0a) start++; // CRLF keep-alives
      buf = buf.subarray(start);
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) return buf;
      const head = buf.subarray(0, end).toString("latin1");
      const cl = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head);
      const total = end + 4 + Number(cl?.[1] ?? 0);
      if (buf.length < total) return buf;
      this.deliver(buf.subarray(0, total), peer);
      buf = buf.subarray(total);
    }
  }
}
