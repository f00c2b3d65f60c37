/**
 * XMPP users watching SIP users: the gateway is the SIP subscriber (RFC 6665 section 4.1, RFC 3856)
 * on behalf of the XMPP user, and the contact answering her subscription (RFC 6121 section 3).
 *
 *   <presence type=subscribe to=bob@sip/>  --> SUBSCRIBE sip:bob@sip (Event: presence, Accept: PIDF)
 *   NOTIFY active (+ PIDF) ----------------> <presence type=subscribed/> + her view of bob's presence
 *   NOTIFY pending ------------------------> nothing: the XMPP subscription stays pending
 *   NOTIFY terminated;reason=rejected/noresource, or 403/404/489 --> <presence type=unsubscribed/>
 *   <presence type=unsubscribe/> ----------> SUBSCRIBE Expires: 0
 *   <presence type=probe/> ----------------> bob's last notified presence (the live state)
 *
 * One SIP subscription per (XMPP bare JID, SIP user), shared by all of her resources: presence goes
 * to her bare JID and her server fans it out. The SIP subscription is refreshed before it runs out
 * (at two thirds of the granted time), retried with backoff after transient failures (408, 5xx,
 * 480, no answer: 30 s doubling up to 30 min), retried once with Min-Expires after 423, and given up
 * after 403, 404, 489, 603 and other refusals (RFC 6665 section 4.1.2.2).
 *
 * After a gateway restart each stored subscription is set up again with a new SUBSCRIBE (a new
 * dialog): drachtio-server routes in-dialog requests to the connection that created the dialog, so
 * NOTIFYs of a dialog made by the previous process would not reach this one. The XMPP side sees no
 * change: the subscription stays `subscribed` and the last presence is kept meanwhile.
 */
import xml, { type Element } from "@xmpp/xml";
import { sipBodyBytes, sipHeaderText } from "../sip/drachtio-hardening.js";
import type { FinalResponse, SipRequest, SipResponse } from "../sip/sip-link.js";
import { pidfToPresenceState } from "./pidf-to-xmpp.js";
import { isPidfError } from "./pidf-error.js";
import { parsePidf, PIDF_CONTENT_TYPE } from "./pidf.js";
import { UNAVAILABLE, type PresenceState } from "./presence-model.js";
import { bareJid, type PresenceContext } from "./presence-ports.js";
import {
  inDialogRequest,
  parseEvent,
  parseSubscriptionState,
  PRESENCE_EVENT,
  tagOf,
  uacDialog,
  uriOf,
} from "./sip-events.js";
import { outboundKey, type OutboundSubscription } from "./store/presence-store.js";
import { stateToPresenceStanza } from "./xmpp-presence.js";

const RETRY_FIRST_MS = 30_000;
const RETRY_MAX_MS = 30 * 60_000;
/** Responses after which the gateway stops trying (RFC 6665 section 4.1.2.2 and the issue). */
const GIVE_UP = new Set([400, 403, 404, 405, 410, 416, 484, 485, 489, 501, 603, 604]);

/** What each subscription needs while this process runs (not stored). */
interface Live {
  /** Call-ID and From tag of the SUBSCRIBE that set up the current dialog. */
  callId: string;
  localTag: string;
  /** When to refresh or retry (ms since the epoch); 0 while a SUBSCRIBE is in flight. */
  nextAt: number;
  retryMs: number;
}

export class XmppWatchers {
  private readonly subs = new Map<string, OutboundSubscription>();
  private readonly live = new Map<string, Live>();
  private readonly byCallId = new Map<string, string>();
  /**
   * Call-IDs of subscriptions the gateway ended, until when (ms): their final NOTIFY (RFC 6665
   * section 4.1.2.3 says one follows an un-SUBSCRIBE) is answered 200 rather than 481.
   */
  private readonly closing = new Map<string, number>();

  constructor(private readonly ctx: PresenceContext) {}

  get size(): number {
    return this.subs.size;
  }

  restore(subs: OutboundSubscription[]): void {
    for (const s of subs) {
      const key = outboundKey(s.watcher, s.contact);
      // The old dialog belonged to the previous process (see above): subscribe afresh.
      s.dialog = undefined;
      this.subs.set(key, s);
      this.live.set(key, { callId: "", localTag: "", nextAt: this.ctx.now(), retryMs: RETRY_FIRST_MS });
    }
  }

  /** For presence stanzas from XMPP users to SIP users' JIDs: subscribe, unsubscribe, probe. */
  async onPresence(stanza: Element): Promise<boolean> {
    const type = stanza.attrs.type as string | undefined;
    if (type !== "subscribe" && type !== "unsubscribe" && type !== "probe") return false;
    const from = String(stanza.attrs.from ?? "");
    const watcher = bareJid(from);
    const contact = bareJid(String(stanza.attrs.to ?? ""));
    const key = outboundKey(watcher, contact);
    const sub = this.subs.get(key);
    if (type === "unsubscribe") {
      if (sub) await this.unsubscribe(key, sub);
      // RFC 6121 section 3.3.3: the contact's side sends unavailable presence after an unsubscribe.
      await this.ctx.xmpp.send(xml("presence", { type: "unavailable", from: contact, to: watcher }));
      return true;
    }
    if (type === "probe") {
      if (sub) {
        await this.sendPresence(sub, sub.presence ?? UNAVAILABLE, from);
        return true;
      }
      // Her roster says she is subscribed but the gateway has no subscription (its store was lost, or
      // the SIP side ended it): set it up again rather than leave her without presence.
    }
    if (sub?.state === "active") {
      // RFC 6121 section 3.1.3: a subscription request for an existing subscription is approved again.
      await this.ctx.xmpp.send(xml("presence", { type: "subscribed", from: contact, to: watcher }));
      await this.sendPresence(sub, sub.presence ?? UNAVAILABLE, watcher);
      return true;
    }
    if (sub) return true; // pending: the SIP side has not decided yet
    const sipUri = this.ctx.addresses.jidToSipUser(contact).format();
    const created: OutboundSubscription = { watcher, contact, sipUri, state: "pending", expiresAt: 0 };
    this.subs.set(key, created);
    this.ctx.store.putOutbound(created);
    this.live.set(key, { callId: "", localTag: "", nextAt: 0, retryMs: RETRY_FIRST_MS });
    if (type === "probe") await this.sendPresence(created, UNAVAILABLE, from);
    await this.subscribe(key);
    return true;
  }

  /** For SipLink.handle("NOTIFY"). */
  readonly handleNotify = async (req: SipRequest, res: SipResponse): Promise<void> => {
    const event = parseEvent(req.has("Event") ? req.get("Event") : undefined);
    if (event?.package !== PRESENCE_EVENT) {
      res.send(489, "Bad Event", { headers: { "Allow-Events": PRESENCE_EVENT } });
      return;
    }
    const callId = req.get("Call-ID");
    if (this.closing.has(callId)) {
      res.send(200, "OK", {});
      return;
    }
    const key = this.byCallId.get(callId);
    const sub = key ? this.subs.get(key) : undefined;
    const live = key ? this.live.get(key) : undefined;
    const to = req.has("To") ? sipHeaderText(req.get("To")) : "";
    // RFC 6665 section 4.1.3: a NOTIFY that matches no subscription -> 481.
    if (!key || !sub || !live || tagOf(to) !== live.localTag) {
      res.send(481, "Subscription Does Not Exist", {});
      return;
    }
    const substate = parseSubscriptionState(
      req.has("Subscription-State") ? req.get("Subscription-State") : undefined,
    );
    // RFC 6665 section 8.2.3: Subscription-State is mandatory in NOTIFY.
    if (!substate) {
      res.send(400, "Missing Subscription-State", {});
      return;
    }
    let state: PresenceState | undefined;
    const bytes = sipBodyBytes(req.body as string | undefined);
    if (bytes.length > 0) {
      const type = req.has("Content-Type") ? req.get("Content-Type") : "";
      const [mime = "", ...params] = type.split(";");
      if (mime.trim().toLowerCase() !== PIDF_CONTENT_TYPE) {
        res.send(415, "Unsupported Media Type", { headers: { Accept: PIDF_CONTENT_TYPE } });
        return;
      }
      const charset = params
        .map((p) => p.trim().split("="))
        .find(([k]) => k?.toLowerCase() === "charset")?.[1]
        ?.replace(/"/g, "");
      try {
        state = pidfToPresenceState(parsePidf(bytes, charset ? { charset } : {}));
      } catch (e) {
        if (!isPidfError(e)) throw e;
        res.send(400, "Bad PIDF", { headers: { Warning: `399 gateway "${e.message.slice(0, 100)}"` } });
        return;
      }
    }
    res.send(200, "OK", {});

    const fromHeader = sipHeaderText(req.get("From"));
    if (!sub.dialog) {
      // RFC 6665 section 4.1.2.4: a NOTIFY may arrive before the 2xx and establishes the dialog.
      const dialog = uacDialog(
        { callId: live.callId, localUri: this.localUri(sub), localTag: live.localTag, remoteUri: sub.sipUri },
        {
          remoteTag: tagOf(fromHeader) ?? "",
          contact: req.has("Contact") ? sipHeaderText(req.get("Contact")) : "",
          recordRoute: req.has("Record-Route") ? [sipHeaderText(req.get("Record-Route"))] : [],
          isResponse: false,
        },
      );
      if (dialog) sub.dialog = dialog;
    } else if (req.has("Contact")) {
      // RFC 6665 section 4.1.3: NOTIFY is a target refresh request.
      sub.dialog.remoteTarget = uriOf(sipHeaderText(req.get("Contact"))) ?? sub.dialog.remoteTarget;
    }
    await this.onSubstate(key, sub, live, substate, state);
  };

  /** Refreshes and retries that are due. */
  async sweep(now: number): Promise<void> {
    for (const [callId, until] of this.closing) if (until <= now) this.closing.delete(callId);
    for (const [key, live] of this.live) {
      if (live.nextAt !== 0 && live.nextAt <= now) await this.subscribe(key);
    }
  }

  private async onSubstate(
    key: string,
    sub: OutboundSubscription,
    live: Live,
    substate: { state: string; expires?: number; reason?: string; retryAfter?: number },
    state: PresenceState | undefined,
  ): Promise<void> {
    const { ctx } = this;
    if (substate.state === "terminated") {
      const reason = substate.reason ?? "";
      // RFC 6665 section 4.1.3: "rejected" and "noresource" are final; "deactivated" and "timeout"
      // invite an immediate new subscription, "probation" and "giveup" one after retry-after.
      if (reason === "rejected" || reason === "noresource" || reason === "") return this.giveUp(key, sub);
      this.byCallId.delete(live.callId);
      sub.dialog = undefined;
      const wait = reason === "probation" || reason === "giveup" ? (substate.retryAfter ?? 30) * 1000 : 0;
      live.nextAt = ctx.now() + wait;
      ctx.store.putOutbound(sub);
      return;
    }
    if (substate.expires !== undefined) this.schedule(sub, live, substate.expires);
    // RFC 6665 section 4.1.3: an unknown substate is treated as active.
    if (substate.state !== "pending" && sub.state === "pending") {
      sub.state = "active";
      await ctx.xmpp.send(xml("presence", { type: "subscribed", from: sub.contact, to: sub.watcher }));
    }
    if (state && sub.state === "active") {
      const changed = JSON.stringify(sub.presence ?? null) !== JSON.stringify(state);
      sub.presence = state;
      if (changed) await this.sendPresence(sub, state, sub.watcher);
    }
    ctx.store.putOutbound(sub);
  }

  /** Sends the initial SUBSCRIBE, or a refresh in the current dialog. */
  private async subscribe(key: string, expiresOverride?: number): Promise<void> {
    const { ctx } = this;
    const sub = this.subs.get(key);
    const live = this.live.get(key);
    if (!sub || !live) return;
    if (!ctx.sip.connected) {
      live.nextAt = ctx.now() + 5_000;
      return;
    }
    live.nextAt = 0;
    const expires = expiresOverride ?? ctx.settings.expires;
    let uri: string;
    let proxy: string | undefined;
    let headers: Record<string, string>;
    if (sub.dialog) {
      const r = inDialogRequest(sub.dialog, "SUBSCRIBE");
      uri = r.uri;
      proxy = r.proxy;
      headers = r.headers;
    } else {
      if (live.callId) this.byCallId.delete(live.callId);
      live.callId = `${ctx.newToken()}@${ctx.xmpp.domain}`;
      live.localTag = ctx.newToken();
      this.byCallId.set(live.callId, key);
      uri = sub.sipUri;
      headers = {
        "Call-ID": live.callId,
        From: `<${this.localUri(sub)}>;tag=${live.localTag}`,
        To: `<${sub.sipUri}>`,
        Event: PRESENCE_EVENT,
      };
    }
    proxy ??= ctx.settings.outboundProxy || undefined;
    const res = await ctx.sip.request({
      method: "SUBSCRIBE",
      uri,
      headers: { ...headers, Accept: PIDF_CONTENT_TYPE, Expires: String(expires) },
      ...(proxy ? { proxy } : {}),
    });
    if (this.subs.get(key) !== sub) return; // unsubscribed meanwhile
    await this.onSubscribeResponse(key, sub, live, res, expiresOverride !== undefined);
  }

  private async onSubscribeResponse(
    key: string,
    sub: OutboundSubscription,
    live: Live,
    res: FinalResponse,
    retriedWithMin: boolean,
  ): Promise<void> {
    const { ctx } = this;
    const log = () => ctx.log.child({ watcher: sub.watcher, contact: sub.sipUri, status: res.status });
    if (res.status < 300) {
      live.retryMs = RETRY_FIRST_MS;
      if (!sub.dialog) {
        const dialog = uacDialog(
          {
            callId: live.callId,
            localUri: this.localUri(sub),
            localTag: live.localTag,
            remoteUri: sub.sipUri,
          },
          {
            remoteTag: tagOf(res.get("To")) ?? "",
            contact: res.get("Contact") ?? "",
            recordRoute: res.get("Record-Route") ? [res.get("Record-Route") ?? ""] : [],
            isResponse: true,
          },
        );
        if (dialog) sub.dialog = dialog;
      }
      // RFC 6665 section 4.1.2.1: the Expires of the 2xx is the duration actually granted.
      const granted = Number(res.get("Expires") ?? ctx.settings.expires);
      this.schedule(sub, live, Number.isFinite(granted) ? granted : ctx.settings.expires);
      ctx.store.putOutbound(sub);
      return;
    }
    if (res.status === 423 && !retriedWithMin) {
      // RFC 6665 section 4.1.2.1 / RFC 3261 section 21.4.17: retry with at least Min-Expires.
      const min = Number(res.get("Min-Expires"));
      if (Number.isInteger(min) && min > 0) return this.subscribe(key, min);
    }
    if (res.status === 481 && sub.dialog) {
      // The notifier forgot the dialog (RFC 6665 section 4.1.2.2): start a new subscription.
      sub.dialog = undefined;
      live.nextAt = ctx.now();
      return;
    }
    if (GIVE_UP.has(res.status) || (res.status >= 600 && res.status !== 600)) {
      log().info("SIP presence subscription refused: the XMPP watcher is told unsubscribed");
      return this.giveUp(key, sub);
    }
    const retryAfter = Number(res.get("Retry-After"));
    const wait = Number.isInteger(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : live.retryMs;
    live.retryMs = Math.min(live.retryMs * 2, RETRY_MAX_MS);
    sub.dialog = undefined;
    live.nextAt = ctx.now() + wait;
    log().info("SIP presence subscription failed; retrying", { inMs: wait });
  }

  private schedule(sub: OutboundSubscription, live: Live, grantedSeconds: number): void {
    const now = this.ctx.now();
    sub.expiresAt = now + grantedSeconds * 1000;
    // Refresh at two thirds of the granted time (at least 5 s ahead of expiry).
    live.nextAt = now + Math.max(1000, Math.min(grantedSeconds * 667, grantedSeconds * 1000 - 5000));
  }

  private async giveUp(key: string, sub: OutboundSubscription): Promise<void> {
    this.forget(key);
    await this.ctx.xmpp.send(xml("presence", { type: "unsubscribed", from: sub.contact, to: sub.watcher }));
    if (sub.state === "active") {
      await this.ctx.xmpp.send(xml("presence", { type: "unavailable", from: sub.contact, to: sub.watcher }));
    }
  }

  private async unsubscribe(key: string, sub: OutboundSubscription): Promise<void> {
    const dialog = sub.dialog;
    const callId = this.live.get(key)?.callId;
    // Timer F (32 s) covers the un-SUBSCRIBE's transaction; its NOTIFY follows within it.
    if (callId) this.closing.set(callId, this.ctx.now() + 32_000);
    this.forget(key);
    if (!dialog || !this.ctx.sip.connected) return;
    // RFC 6665 section 4.1.2.3: un-subscribing is a SUBSCRIBE with Expires: 0 in the dialog.
    const r = inDialogRequest(dialog, "SUBSCRIBE");
    const proxy = r.proxy ?? (this.ctx.settings.outboundProxy || undefined);
    await this.ctx.sip.request({
      method: "SUBSCRIBE",
      uri: r.uri,
      headers: { ...r.headers, Expires: "0", Accept: PIDF_CONTENT_TYPE },
      ...(proxy ? { proxy } : {}),
    });
  }

  private forget(key: string): void {
    const live = this.live.get(key);
    if (live?.callId) this.byCallId.delete(live.callId);
    this.live.delete(key);
    const sub = this.subs.get(key);
    this.subs.delete(key);
    if (sub) this.ctx.store.deleteOutbound(sub.watcher, sub.contact);
  }

  private sendPresence(sub: OutboundSubscription, state: PresenceState, to: string): Promise<void> {
    return this.ctx.xmpp.send(stateToPresenceStanza(state, { from: sub.contact, to }, this.ctx.caps?.()));
  }

  private localUri(sub: OutboundSubscription): string {
    return this.ctx.addresses.xmppUserToSipUri(sub.watcher).format();
  }
}
