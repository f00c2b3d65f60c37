/**
 * The media door: rtpengine's ng control protocol over UDP through rtpengine-client. The link is
 * connectionless, so "up" means "answered the last ping": the gateway pings at start and then every
 * `pingInterval`, and `Health` shows the result. Calls use it as the bridge's `MediaPort`: offer,
 * answer, delete and play DTMF, each failing fast (after `timeout`) with a clear error when rtpengine
 * does not answer, so a call never hangs on it.
 */
import { Client, type NgResponse } from "rtpengine-client";
import type { Health } from "../health/health.js";
import type { Logger } from "../log/logger.js";
import type { MediaAnswer, MediaOffer, MediaPort } from "../call/call-ports.js";

export interface MediaLinkOptions {
  host: string;
  port: number;
  timeout: number;
  pingInterval: number;
}

export class MediaLink implements MediaPort {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly opts: MediaLinkOptions,
    private readonly health: Health,
    private readonly log: Logger,
  ) {}

  get where(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  /** Opens the control socket and pings once; never throws (health shows the result). */
  async start(): Promise<void> {
    const client = new Client({ localPort: 0, timeout: this.opts.timeout });
    client.on("error", (err: Error) => this.log.warn(`rtpengine client error: ${err.message}`));
    this.client = client;
    await this.ping();
    this.timer = setInterval(() => void this.ping(), this.opts.pingInterval);
    this.timer.unref();
  }

  async ping(): Promise<boolean> {
    const client = this.client;
    if (!client) return false;
    try {
      const res = await client.ping(this.opts.port, this.opts.host);
      if (res.result !== "pong") throw new Error(`unexpected answer ${JSON.stringify(res)}`);
      if (!this.health.isUp("media")) this.log.info("rtpengine answers", { server: this.where });
      this.health.set("media", true, `rtpengine at ${this.where} answers`);
      return true;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      if (this.health.isUp("media") || this.health.snapshot().media.detail === "not connected yet") {
        this.log.warn(`rtpengine does not answer: ${reason}`, { server: this.where });
      }
      this.health.set("media", false, `rtpengine at ${this.where} does not answer`);
      return false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.client?.close();
    } catch {
      // already closed
    }
    this.client = undefined;
    this.health.set("media", false, "stopped");
  }

  /** Whether the last ping was answered (a call is still tried when not: rtpengine may be back). */
  get available(): boolean {
    return this.health.isUp("media");
  }

  async offer(p: MediaOffer): Promise<string> {
    const res = await this.command("offer", {
      ...p.flags,
      "call-id": p.callId,
      "from-tag": p.fromTag,
      sdp: p.sdp,
    });
    return sdpOf(res, "offer");
  }

  async answer(p: MediaAnswer): Promise<string> {
    const res = await this.command("answer", {
      ...p.flags,
      "call-id": p.callId,
      "from-tag": p.fromTag,
      "to-tag": p.toTag,
      sdp: p.sdp,
    });
    return sdpOf(res, "answer");
  }

  async delete(callId: string): Promise<void> {
    try {
      // UDP: a lost command or answer is a timeout. A delete is safe to repeat; a repeat of one that
      // did arrive the first time is answered "unknown call-id", which is what we wanted.
      await this.command("delete", { "call-id": callId }).catch(async (e: unknown) => {
        if (isUnknownCall(e)) return;
        await this.command("delete", { "call-id": callId }).catch((again: unknown) => {
          if (!isUnknownCall(again)) throw again;
        });
      });
    } catch (e) {
      // rtpengine deletes a call by itself after its own timeout (--timeout, default 60 s without media).
      this.log.warn("rtpengine delete failed", { callId, error: e instanceof Error ? e.message : String(e) });
    }
  }

  async playDtmf(callId: string, fromTag: string, code: string, durationMs: number): Promise<void> {
    await this.command("playDTMF", { "call-id": callId, "from-tag": fromTag, code, duration: durationMs });
  }

  /** Raw ng command; rejects on timeout or an error result. */
  async command(
    name: "offer" | "answer" | "delete" | "query" | "list" | "playDTMF",
    params: Record<string, unknown>,
  ): Promise<NgResponse> {
    const client = this.client;
    if (!client) throw new Error("rtpengine link is not started");
    // At most MAX_IN_FLIGHT commands on the wire: rtpengine's UDP socket drops part of a burst (1,000
    // deletes at once lost about 600 in the call bench), and a lost command only shows as a timeout.
    while (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      const res = await client[name](this.opts.port, this.opts.host, params);
      if (res.result === "error") throw new Error(`rtpengine ${name} failed: ${String(res["error-reason"])}`);
      return res;
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }
}

const MAX_IN_FLIGHT = 32;

function isUnknownCall(e: unknown): boolean {
  return e instanceof Error && /unknown call-id/i.test(e.message);
}

function sdpOf(res: NgResponse, what: string): string {
  const sdp = res.sdp;
  if (typeof sdp !== "string" || !sdp) throw new Error(`rtpengine ${what} returned no SDP`);
  return sdp;
}
