/**
 * The call bridge's SIP door: INVITE dialogs over drachtio-srf's `createUAC` / `createUAS`, behind
 * the small `SipCallPort`, `IncomingInvite` and `SipDialog` interfaces of `src/call/call-ports.ts`.
 * Nothing here knows Jingle; the bridge knows nothing of drachtio-srf.
 *
 * drachtio-server does the transaction work: it sends 100 Trying, retransmits the 2xx until the
 * ACK, answers an incoming CANCEL with 200 and the INVITE with 487 (RFC 3261 section 9.2), and ACKs
 * non-2xx final responses itself; drachtio-srf sends the ACK for a 2xx it receives.
 */
import type Srf from "drachtio-srf";
import type { Logger } from "../log/logger.js";
import {
  SipCallFailure,
  type AnsweredInvite,
  type IncomingInvite,
  type InviteProgress,
  type OutgoingInvite,
  type SipCallPort,
  type SipDialog,
} from "../call/call-ports.js";
import type { SipLink, SipRequest, SipResponse } from "./sip-link.js";

type Dialog = Srf.Dialog;

export class SipCalls implements SipCallPort {
  constructor(
    private readonly link: SipLink,
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.link.connected;
  }

  async invite(inv: OutgoingInvite, progress: InviteProgress): Promise<AnsweredInvite> {
    // RFC 3261 section 8.1.3.1: a transport failure is treated like a 503.
    if (!this.connected) throw new SipCallFailure(503, "Service Unavailable");
    let dialog: Dialog;
    try {
      dialog = await this.link.srf.createUAC(
        inv.uri,
        {
          headers: { From: `<${inv.from}>`, To: `<${inv.to}>`, ...inv.headers },
          localSdp: inv.sdp,
          ...(inv.proxy ? { proxy: inv.proxy } : {}),
        } as Srf.CreateUACOptions,
        {
          // drachtio-srf calls it as (err, req) despite its typings.
          cbRequest: ((err: unknown, req: SipRequest | undefined) => {
            if (err || !req) return;
            const cancelable = req as SipRequest & {
              cancel(opts: unknown, cb: (err: unknown) => void): void;
            };
            progress.onSent((reason) => {
              try {
                // The CANCEL's outcome shows in the INVITE's final response (487).
                cancelable.cancel(reason ? { headers: { Reason: reason } } : {}, (e) => {
                  if (e) this.log.debug("CANCEL not sent", { error: String(e) });
                });
              } catch (e) {
                this.log.debug("CANCEL not sent", { error: String(e) });
              }
            });
          }) as unknown as (req: SipRequest) => void,
          cbProvisional: (res: SipResponse) => {
            const body = typeof res.body === "string" && res.body.length > 0 ? res.body : undefined;
            progress.onProvisional(res.status, body);
          },
        },
      );
    } catch (e) {
      const err = e as { status?: number; reason?: string; message?: string };
      if (typeof err.status === "number") throw new SipCallFailure(err.status, err.reason ?? "");
      this.log.warn("INVITE could not be sent", { uri: inv.uri, error: err.message ?? String(e) });
      throw new SipCallFailure(503, "Service Unavailable");
    }
    return { dialog: wrapDialog(dialog, this.log), sdp: dialog.remote.sdp };
  }
}

/** An INVITE handed to the gateway by drachtio-srf, as the bridge sees it. */
export function incomingInvite(srf: Srf, req: SipRequest, res: SipResponse, log: Logger): IncomingInvite {
  const sent = new Set<number>();
  let cancelled = false;
  const cancelListeners: (() => void)[] = [];
  req.on("cancel", () => {
    cancelled = true;
    for (const l of cancelListeners) l();
  });
  const from = req.getParsedHeader("From") as { uri: string };
  const to = req.getParsedHeader("To") as { uri: string };
  return {
    callId: req.get("Call-ID"),
    uri: req.uri,
    from: from.uri,
    to: to.uri,
    sdp: typeof req.body === "string" ? req.body : "",
    progress(status) {
      if (cancelled || res.finalResponseSent || sent.has(status)) return;
      sent.add(status);
      res.send(status);
    },
    async accept(sdp) {
      if (cancelled) throw new SipCallFailure(487, "Request Terminated");
      const dialog = await srf.createUAS(req, res, { localSdp: sdp } as Srf.CreateUASOptions);
      return wrapDialog(dialog, log);
    },
    reject(status, reason, headers = {}) {
      if (cancelled || res.finalResponseSent) return;
      res.send(status, reason, { headers });
    },
    onCancel(listener) {
      if (cancelled) listener();
      else cancelListeners.push(listener);
    },
  };
}

function wrapDialog(dialog: Dialog, log: Logger): SipDialog {
  let ended = false;
  // drachtio-srf can emit 'destroy' right after createUAS resolves ('CANCEL after 200 OK', 'ACK
  // timeout'), before the bridge had a chance to listen: the BYE is kept until someone listens.
  let byeReason: { reason: string | undefined } | undefined;
  let byeListener: ((reason: string | undefined) => void) | undefined;
  dialog.on("destroy", (req: SipRequest) => {
    ended = true;
    byeReason = { reason: req.has("Reason") ? req.get("Reason") : undefined };
    byeListener?.(byeReason.reason);
  });
  return {
    callId: dialog.sip.callId,
    onBye(listener) {
      byeListener = listener;
      if (byeReason) listener(byeReason.reason);
    },
    onReinvite(listener) {
      dialog.on("modify", (req: SipRequest, res: SipResponse) => {
        listener(typeof req.body === "string" ? req.body : "").then(
          (answer) => res.send(200, { body: answer, headers: { "Content-Type": "application/sdp" } }),
          (e: unknown) => {
            const f = e instanceof SipCallFailure ? e : new SipCallFailure(500, "Server Internal Error");
            res.send(f.status, f.reason, {});
          },
        );
      });
    },
    async bye(reason) {
      if (ended) return;
      ended = true;
      await new Promise<void>((resolve) => {
        try {
          dialog.destroy(reason ? { headers: { Reason: reason } } : undefined, () => resolve());
        } catch (e) {
          log.debug("BYE not sent", { callId: dialog.sip.callId, error: String(e) });
          resolve();
        }
      });
    },
    async reinvite(offer) {
      try {
        return await dialog.modify(offer);
      } catch (e) {
        const err = e as { status?: number; reason?: string };
        throw new SipCallFailure(err.status ?? 500, err.reason ?? "");
      }
    },
  };
}
