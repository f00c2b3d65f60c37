/**
 * The XMPP door: an XEP-0114 component connection built on xmpp.js's `component()` (reconnect,
 * middleware, iq callee). It keeps the link up with exponential backoff, stamps `from` on every
 * stanza it sends, and turns whatever a handler throws into exactly one stanza error (a
 * `GatewayError` chooses its condition, an `AddressError` is jid-malformed, anything else is
 * internal-server-error plus a log line: `toGatewayError`).
 *
 *   offline --start()--> connecting --handshake ok--> online
 *      ^                     |  ^                        |
 *      |                     v  |  backoff (delay x2)    | socket closed / stream error
 *   stop()              disconnected <-------------------+
 */
import type { Socket } from "node:net";
import { coalesceWrites } from "../util/coalesce-writes.js";
import { WorkInFlight } from "../util/work-in-flight.js";
import { component, type Component, type MiddlewareContext } from "@xmpp/component";
import type { Element } from "@xmpp/xml";
import type { Health } from "../health/health.js";
import type { Logger } from "../log/logger.js";
import { GatewayError, toGatewayError } from "../errors/gateway-error.js";
import { isAddressError } from "../address/address-error.js";
import { errorReply, type StanzaErrorSpec } from "./stanza-error.js";

export interface ComponentLinkOptions {
  host: string;
  port: number;
  domain: string;
  secret: string;
  reconnectDelay: number;
  reconnectMaxDelay: number;
}

/** An iq handler returns the result payload, or `true` for an empty result (XEP-0199 pong). */
export type IqHandler = (stanza: Element, payload: Element) => Promise<Element | true> | Element | true;
export type StanzaHandler = (stanza: Element) => Promise<boolean> | boolean;

export class ComponentLink {
  private readonly xmpp: Component;
  private delay: number;
  private stopped = false;
  private readonly stanzaHandlers: StanzaHandler[] = [];
  private readonly work = new WorkInFlight();

  constructor(
    private readonly opts: ComponentLinkOptions,
    private readonly health: Health,
    private readonly log: Logger,
  ) {
    this.delay = opts.reconnectDelay;
    this.xmpp = component({
      service: `xmpp://${opts.host}:${opts.port}`,
      domain: opts.domain,
      password: opts.secret,
    });
    this.xmpp.reconnect.delay = this.delay;
    this.wireEvents();
    // After the iq callee (installed by component()): message and presence go to our handlers.
    this.xmpp.middleware.use((ctx, next) => this.dispatch(ctx, next));
  }

  get domain(): string {
    return this.opts.domain;
  }

  get online(): boolean {
    return this.xmpp.status === "online";
  }

  private wireEvents(): void {
    const x = this.xmpp;
    const where = `${this.opts.host}:${this.opts.port}`;
    x.on("connect", () => {
      // Stanzas are small and many: Nagle would hold one back until the previous one is acknowledged
      // (with delayed ACKs, up to 40 ms on Linux); the writes of one event-loop turn go out together.
      const socket = (x as unknown as { socket?: Socket }).socket;
      if (socket) {
        socket.setNoDelay(true);
        coalesceWrites(socket);
      }
    });
    x.on("online", () => {
      this.delay = this.opts.reconnectDelay;
      x.reconnect.delay = this.delay;
      this.log.info("component online", { domain: this.opts.domain, server: where });
      this.health.set("xmpp", true, `online as ${this.opts.domain} at ${where}`);
    });
    x.on("disconnect", () => {
      // xmpp.js's reconnect has already scheduled the next attempt with the current delay;
      // the one after that waits twice as long.
      this.health.set("xmpp", false, `disconnected from ${where}`);
      if (this.stopped) return;
      this.log.warn("component link down, reconnecting", { server: where, delayMs: this.delay });
      this.delay = Math.min(this.delay * 2, this.opts.reconnectMaxDelay);
      x.reconnect.delay = this.delay;
    });
    x.on("error", (err: Error & { condition?: string; code?: string }) => {
      if (this.stopped) return;
      // Stream errors (e.g. not-authorized for a wrong secret, conflict when another instance holds
      // the domain on Prosody) and socket errors: the link goes down and reconnect takes over.
      const reason = err.condition ?? err.code ?? err.message;
      const hint =
        err.condition === "not-authorized"
          ? " (check xmpp.secret against the XMPP server's component secret)"
          : err.condition === "conflict"
            ? " (another component holds this domain)"
            : "";
      this.log.error(`component link error: ${reason}${hint}`, { server: where });
    });
  }

  /** Starts connecting; resolves at once even if the server is down (reconnect keeps trying). */
  start(): void {
    this.stopped = false;
    this.xmpp.start().catch(() => {
      // The first attempt failed; the 'error' and 'disconnect' listeners have logged it and the
      // reconnect module retries.
    });
  }

  /**
   * Stops taking new messages (they are bounced with service-unavailable) and resolves when the
   * ones in flight (say, waiting for a SIP answer) are done, or after `timeoutMs`.
   */
  drain(timeoutMs: number): Promise<boolean> {
    return this.work.drain(timeoutMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.xmpp.reconnect.stop();
    try {
      if (this.xmpp.status !== "offline" && this.xmpp.status !== "disconnect") await this.xmpp.stop();
    } catch (e) {
      this.log.debug("component stop", { error: String(e) });
    }
    this.health.set("xmpp", false, "stopped");
  }

  /**
   * Sends a stanza. `from` defaults to the component domain: RFC 6120 section 4.7.1 lets a server
   * reject a stanza without it from a component, and the gateway always speaks for someone.
   */
  async send(stanza: Element): Promise<void> {
    if (!stanza.attrs.from) stanza.attrs.from = this.opts.domain;
    await this.xmpp.send(stanza);
  }

  /**
   * Sends an iq get/set and resolves with the result iq; rejects with xmpp.js's StanzaError for an
   * error answer, or a TimeoutError after `timeoutMs`.
   */
  async request(iq: Element, timeoutMs: number): Promise<Element> {
    if (!iq.attrs.from) iq.attrs.from = this.opts.domain;
    return this.xmpp.iqCaller.request(iq, timeoutMs);
  }

  /** Registers an iq handler; what it throws becomes one stanza error (see `specFor`). */
  onIq(type: "get" | "set", ns: string, name: string, handler: IqHandler): void {
    const wrapped = async (ctx: MiddlewareContext) => {
      try {
        return await handler(ctx.stanza, ctx.element ?? ctx.stanza);
      } catch (e) {
        return this.errorFor(ctx.stanza, e);
      }
    };
    if (type === "get") this.xmpp.iqCallee.get(ns, name, wrapped);
    else this.xmpp.iqCallee.set(ns, name, wrapped);
  }

  /**
   * Registers a handler for message and presence stanzas; handlers run in order until one returns
   * true. A stanza nobody takes gets the fallback of `unhandled()`.
   */
  onStanza(handler: StanzaHandler): void {
    this.stanzaHandlers.push(handler);
  }

  private async dispatch(ctx: MiddlewareContext, next: () => Promise<unknown>): Promise<unknown> {
    const { stanza } = ctx;
    if (stanza.name === "iq") return next();
    if (this.work.draining) {
      const reply = errorReply(stanza, {
        condition: "service-unavailable",
        type: "cancel",
        text: "gateway restarting",
      });
      if (reply && stanza.name === "message" && stanza.attrs.type !== "headline")
        await this.send(reply).catch(() => {});
      return undefined;
    }
    await this.work.run(async () => {
      try {
        for (const h of this.stanzaHandlers) if (await h(stanza)) return;
        await this.unhandled(stanza);
      } catch (e) {
        const reply = errorReply(stanza, this.specFor(stanza, e));
        try {
          if (reply) await this.send(reply);
        } catch (sendError) {
          // The link went down meanwhile: the server bounces what it could not deliver to us anyway.
          this.log.warn("could not send a stanza error", { to: stanza.attrs.from, error: String(sendError) });
        }
      }
    });
    return undefined;
  }

  /**
   * A message nobody handles is bounced with service-unavailable (RFC 6121 section 8.5.2.2.1 for a
   * message to an entity that cannot take it); presence without a handler is dropped, as a server
   * does for presence it has no use for (RFC 6121 section 4.3 / 8.5.2.2.2). Errors are never answered.
   */
  private async unhandled(stanza: Element): Promise<void> {
    if (stanza.name !== "message") return;
    const type = stanza.attrs.type;
    // RFC 6121 8.5.2.2.1: headline messages are silently ignored; errors are never answered.
    if (type === "headline" || type === "error") return;
    const reply = errorReply(stanza, { condition: "service-unavailable", type: "cancel" });
    if (reply) await this.send(reply);
  }

  private specFor(stanza: Element, e: unknown): StanzaErrorSpec {
    const g = toGatewayError(e);
    if (!(e instanceof GatewayError) && !isAddressError(e)) {
      this.log.error("handler failed", {
        stanza: stanza.name,
        from: stanza.attrs.from,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
    }
    return { condition: g.condition, type: g.type, text: g.text, appCondition: g.appCondition };
  }

  /** The error element xmpp.js's iq callee wraps into the iq error reply. */
  private errorFor(stanza: Element, e: unknown): Element {
    const reply = errorReply(stanza, this.specFor(stanza, e));
    // errorReply only returns null for error stanzas, which never reach an iq handler.
    return reply!.getChild("error")!;
  }
}
