// One application (drachtio-srf) connection on the admin socket: framing, authenticate, route, ping, and the
// `sip` messages that carry requests and responses (drachtio-server's client.cpp processClientMessage).
import type net from "node:net";
import type { WireError } from "./wire.js";
import { encodeFrame, FrameDecoder, parseAdminMessage, type AdminMessage } from "./wire.js";
import { coalesceWrites } from "../../../src/util/coalesce-writes.js";
import { uuid } from "./ids.js";
import { parseAppSip } from "./compose.js";
import { respondFromApp } from "./uas.js";
import { requestFromApp } from "./uac.js";
import type { AppLink, SipCore } from "./core.js";

export interface AdminContext {
  secret: string;
  /** Hostports and version reported by authenticate (`tcp/127.0.0.1:5080,udp/127.0.0.1:5080`). */
  hostports: string;
  version: string;
  record(dir: "app->server" | "server->app", msg: string): void;
  log(text: string): void;
}

export class AdminConnection implements AppLink {
  open = true;
  private readonly decoder = new FrameDecoder();

  constructor(
    private readonly sock: net.Socket,
    private readonly core: SipCore,
    private readonly ctx: AdminContext,
  ) {
    sock.setNoDelay(true);
    // The frames of one event-loop turn leave in one write(2): the bytes on the wire are the same, and
    // this Node stand-in for a C++ server costs the benchmark's shared cores less per message.
    coalesceWrites(sock);
    sock.on("data", (chunk) => this.onData(chunk));
    sock.on("error", (e) => ctx.log(`admin connection error: ${e.message}`));
    sock.on("close", () => {
      this.open = false;
      core.dropLink(this);
    });
  }

  /** `latin1` for frames that carry a message from the network as its octets (see SipMessage.parse). */
  send(text: string, encoding: "utf8" | "latin1" = "utf8"): void {
    if (!this.open || this.sock.destroyed) return;
    this.ctx.record("server->app", text);
    this.sock.write(encodeFrame(text, encoding));
  }

  /** Like the real server, a client that breaks the protocol is disconnected ("leave"). */
  close(): void {
    this.open = false;
    this.sock.end();
    this.sock.destroySoon();
  }

  destroy(): void {
    this.open = false;
    this.sock.destroy();
  }

  private onData(chunk: Buffer): void {
    let texts: string[];
    try {
      texts = this.decoder.push(chunk);
    } catch (e) {
      this.ctx.log(`invalid frame on admin socket, disconnecting: ${(e as WireError).message}`);
      return this.destroy();
    }
    for (const text of texts) {
      if (!this.open) return;
      this.ctx.record("app->server", text);
      try {
        this.handle(parseAdminMessage(text));
      } catch (e) {
        this.ctx.log(`error processing admin message, disconnecting: ${(e as Error).stack ?? String(e)}`);
        return this.destroy();
      }
    }
  }

  /** `<id>|response|<rid>|OK[|...]` or `...|NO|<reason>` (Client::createResponseMsg). */
  private reply(rid: string, ok: boolean, ...more: string[]): void {
    this.send([uuid(), "response", rid, ok ? "OK" : "NO", ...more].join("|"));
  }

  private handle(m: AdminMessage): void {
    const arg = m.fields[2];
    if (m.fields.length < 2) {
      this.reply(m.id, false, "Invalid message format");
      return this.close();
    }
    switch (m.type) {
      case "ping":
        return this.reply(m.id, true, "pong");
      case "authenticate":
        if (arg !== this.ctx.secret) {
          this.reply(m.id, false, "incorrect secret");
          return this.close();
        }
        return this.reply(m.id, true, this.ctx.hostports, this.ctx.version, this.ctx.hostports);
      case "route":
      case "remove_route":
        if (!arg) {
          this.reply(m.id, false, "Route request includes unsupported verb");
          return this.close();
        }
        if (m.type === "route") this.core.addRoute(this, arg);
        else this.core.removeRoute(this, arg);
        return this.reply(m.id, true);
      case "sip":
        return this.onSip(m);
      case "proxy":
        return this.core.apiResponse(this, m.id, false, "proxy is not supported by the drachtio test server");
      default:
        this.reply(m.id, false, "Unknown message type");
        return this.close();
    }
  }

  private onSip(m: AdminMessage): void {
    let app;
    try {
      app = parseAppSip(m.body);
    } catch (e) {
      return this.core.apiResponse(this, m.id, false, `invalid sip message: ${(e as Error).message}`);
    }
    if (app.isRequest) return requestFromApp(this.core, this, m.id, m.fields, app);
    const txnId = m.fields[2] ?? "";
    if (!txnId) {
      this.reply(m.id, false, "transaction id missing");
      return this.close();
    }
    respondFromApp(this.core, this, m.id, txnId, app);
  }
}
