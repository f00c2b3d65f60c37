/**
 * The SIP door: drachtio-srf connected to drachtio-server's admin port. drachtio-srf reconnects by
 * itself (backoff from 255 ms by x1.7, capped by `reconnectMaxDelay`) and re-sends its routes after
 * each reconnect; this class reports the link in `Health`, routes each method to one handler, and
 * makes sure every request gets exactly one answer:
 *
 * - a method with a handler: the handler answers; what it throws becomes a status through
 *   `toGatewayError` (a `GatewayError` carries its status, an `AddressError` is 484, anything
 *   else is 500 plus a log line);
 * - a method without one: 405 with Allow, as RFC 3261 section 8.2.1 says: "If a UAS does not
 *   support the method, it MUST return a 405 ... and MUST add an Allow header field";
 * - while the gateway drains for shutdown: 503 with Retry-After (RFC 3261 section 21.5.4).
 */
import { WorkInFlight } from "../util/work-in-flight.js";
import Srf from "drachtio-srf";
import type { Health } from "../health/health.js";
import type { Logger } from "../log/logger.js";
import { isAddressError } from "../address/address-error.js";
import { GatewayError, toGatewayError } from "../errors/gateway-error.js";
import { hardenDrachtioWireProtocol } from "./drachtio-hardening.js";
import type { TrustedSources } from "./trusted-sources.js";

export type SipRequest = Srf.SrfRequest;
export type SipResponse = Srf.SrfResponse;
export type SipHandler = (req: SipRequest, res: SipResponse) => Promise<void> | void;

export interface SipLinkOptions {
  host: string;
  port: number;
  secret: string;
  reconnectMaxDelay: number;
}

/** A request the gateway originates outside a dialog. */
export interface OutgoingRequest {
  method: string;
  uri: string;
  headers: Record<string, string>;
  body?: string;
  /** Outbound proxy URI; empty or absent sends by the Request-URI. */
  proxy?: string | undefined;
}

/** The final response to an OutgoingRequest. */
export interface FinalResponse {
  status: number;
  reason: string;
  get(header: string): string | undefined;
}

/**
 * How long to wait for a final response to a non-INVITE request. drachtio-server answers 408 itself
 * after Timer F (64*T1 = 32 s, RFC 3261 section 17.1.2.2); this only guards against a lost admin
 * connection, so it is a little longer.
 */
const FINAL_RESPONSE_GUARD_MS = 40_000;

/**
 * The out-of-dialog methods drachtio-server can hand us. ACK, BYE, CANCEL and PRACK outside a dialog
 * or transaction are answered by drachtio-server itself (481 / absorbed), so they are not routed.
 */
const ROUTABLE = [
  "INVITE",
  "MESSAGE",
  "OPTIONS",
  "SUBSCRIBE",
  "NOTIFY",
  "PUBLISH",
  "INFO",
  "REFER",
  "REGISTER",
  "UPDATE",
];

export class SipLink {
  readonly srf = new Srf();
  private readonly handlers = new Map<string, SipHandler>();
  private readonly work = new WorkInFlight();
  private started = false;

  constructor(
    private readonly opts: SipLinkOptions,
    private readonly health: Health,
    private readonly log: Logger,
    private readonly trusted: TrustedSources,
  ) {
    hardenDrachtioWireProtocol(log);
    if (trusted.empty) {
      log.warn("sip.trustedSources is empty: every SIP request but OPTIONS will be refused with 403");
    }
  }

  /** The methods with a handler, for Allow headers (ACK, BYE and CANCEL come with INVITE). */
  get allow(): string[] {
    const methods = [...this.handlers.keys()];
    if (this.handlers.has("INVITE")) methods.push("ACK", "BYE", "CANCEL");
    return methods.sort();
  }

  get connected(): boolean {
    return this.health.isUp("sip");
  }

  /** One handler per method; registering a second one for the same method is a programming error. */
  handle(method: string, handler: SipHandler): void {
    const m = method.toUpperCase();
    if (!ROUTABLE.includes(m)) throw new Error(`method ${m} cannot be routed by drachtio`);
    if (this.handlers.has(m)) throw new Error(`a handler for ${m} exists already`);
    if (this.started) throw new Error("handlers must be registered before start()");
    this.handlers.set(m, handler);
  }

  start(): void {
    this.started = true;
    const where = `${this.opts.host}:${this.opts.port}`;
    const srf = this.srf;
    srf.on("connect", (err: Error | null, hostport: string) => {
      if (err) {
        // drachtio-srf reports a refused secret this way; it keeps the socket and does not retry.
        this.log.error(`drachtio refused the connection: ${err.message} (check sip.drachtio.secret)`, {
          server: where,
        });
        this.health.set("sip", false, `drachtio at ${where} refused: ${err.message}`);
        return;
      }
      this.log.info("connected to drachtio", { server: where, sip: hostport });
      this.health.set("sip", true, `connected to ${where}, SIP on ${hostport}`);
    });
    srf.on("error", (err: Error) => {
      // Socket errors; drachtio-srf reconnects after them. Without this listener they would throw.
      this.log.warn(`drachtio link error: ${err.message}`, { server: where });
      this.health.set("sip", false, `drachtio at ${where}: ${err.message}`);
    });
    srf.on("close" as "disconnect", () => {
      this.health.set("sip", false, `disconnected from ${where}`);
    });
    srf.on("reconnecting" as "disconnect", (...args: unknown[]) => {
      const info = args[0] as { delay?: number; attempt?: number } | undefined;
      this.log.warn("drachtio link down, reconnecting", {
        server: where,
        delayMs: info?.delay,
        attempt: info?.attempt,
      });
    });
    for (const method of ROUTABLE) {
      srf.use(method.toLowerCase(), (req, res) => void this.dispatch(method, req, res));
    }
    void srf.connect({
      host: this.opts.host,
      port: this.opts.port,
      secret: this.opts.secret,
      reconnect: { retryMaxDelay: this.opts.reconnectMaxDelay },
    } as Srf.SrfConfig);
  }

  private async dispatch(method: string, req: SipRequest, res: SipResponse): Promise<void> {
    const log = () => this.log.child({ callId: req.get("Call-ID"), method });
    if (this.work.draining) {
      this.answer(res, 503, "Service Unavailable", { "Retry-After": "30" });
      return;
    }
    // OPTIONS is a health probe and changes nothing: it is answered whoever asks.
    if (method !== "OPTIONS" && !this.trusted.has(req.source_address)) {
      log().warn("request from an untrusted source refused", { source: req.source_address });
      this.answer(res, 403, "Forbidden");
      return;
    }
    const handler = this.handlers.get(method);
    if (!handler) {
      this.answer(res, 405, "Method Not Allowed", { Allow: this.allow.join(", ") });
      return;
    }
    await this.work.run(async () => {
      try {
        await handler(req, res);
      } catch (e) {
        if (res.finalResponseSent) {
          log().error("handler failed after answering", { error: String(e) });
          return;
        }
        const g = toGatewayError(e);
        if (!(e instanceof GatewayError) && !isAddressError(e)) {
          log().error("handler failed", { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        }
        this.answer(res, g.sipStatus, g.sipReason);
      }
    });
  }

  private answer(
    res: SipResponse,
    status: number,
    reason?: string,
    headers: Record<string, string> = {},
  ): void {
    if (res.finalResponseSent) return;
    if (reason) res.send(status, reason, { headers });
    else res.send(status, { headers });
  }

  /**
   * Sends a request outside a dialog and resolves with its final response. A failure to send (the
   * admin link is down) or no final response in time resolves as 503 / 408 generated here, so the
   * caller has one shape to handle: RFC 3261 section 8.1.3.1 treats a transport error like a 503
   * and section 8.1.3.2 a transaction timeout like a 408.
   */
  async request(r: OutgoingRequest): Promise<FinalResponse> {
    const local = (status: number, reason: string): FinalResponse => ({
      status,
      reason,
      get: () => undefined,
    });
    if (!this.connected) return local(503, "Service Unavailable");
    // The callback form: with the Promise form drachtio-srf can emit a response that arrives in the
    // same read as its request's echo before a listener exists, and the response is lost.
    const request = this.srf.request.bind(this.srf) as unknown as (
      uri: string,
      opts: { method: string; headers: Record<string, string>; body?: string; proxy?: string },
      callback: (err: unknown, req: SipRequest) => void,
    ) => void;
    return new Promise<FinalResponse>((resolve) => {
      const timer = setTimeout(() => resolve(local(408, "Request Timeout")), FINAL_RESPONSE_GUARD_MS);
      timer.unref();
      const done = (r: FinalResponse) => {
        clearTimeout(timer);
        resolve(r);
      };
      try {
        request(
          r.uri,
          {
            method: r.method,
            headers: r.headers,
            ...(r.body !== undefined ? { body: r.body } : {}),
            ...(r.proxy ? { proxy: r.proxy } : {}),
          },
          (err, sent) => {
            if (err) {
              this.log.warn("request could not be sent", {
                method: r.method,
                uri: r.uri,
                error: String(err),
              });
              done(local(503, "Service Unavailable"));
              return;
            }
            sent.on("response", (res?: SipResponse) => {
              if (!res || res.status < 200) return;
              done({
                status: res.status,
                reason: res.reason,
                get: (h) => (res.has(h) ? res.get(h) : undefined),
              });
            });
          },
        );
      } catch (e) {
        this.log.warn("request could not be sent", { method: r.method, uri: r.uri, error: String(e) });
        done(local(503, "Service Unavailable"));
      }
    });
  }

  /** Stops taking new requests (they get 503) and resolves when those in flight have been answered. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.work.drain(timeoutMs);
  }

  stop(): void {
    this.work.draining = true;
    try {
      this.srf.disconnect();
    } catch (e) {
      this.log.debug("drachtio disconnect", { error: String(e) });
    }
    this.health.set("sip", false, "stopped");
  }
}
