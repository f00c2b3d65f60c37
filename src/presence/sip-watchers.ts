/**
 * SIP users watching XMPP users: the gateway is the notifier (RFC 6665 section 4.2, RFC 3856) towards
 * the SIP watcher and a contact asking for a subscription (RFC 6121 section 3) towards the XMPP user.
 *
 *   SUBSCRIBE sip:alice@xmpp (From bob@sip) --> 202 + NOTIFY pending ; <presence type=subscribe
 *                                                                      from=bob@sip to=alice/>
 *   <presence type=subscribed from=alice/> ----> NOTIFY active + PIDF of her resources
 *   <presence from=alice/res/> (changes) ------> NOTIFY active + PIDF
 *   <presence type=unsubscribed from=alice/> --> NOTIFY terminated;reason=rejected
 *   SUBSCRIBE in the dialog (refresh) ---------> 200 + NOTIFY; Expires: 0 -> 200 + NOTIFY terminated
 *   expiry without refresh --------------------> NOTIFY terminated;reason=timeout
 *
 * Why 202 while authorization is pending and 200 once it is granted: RFC 3265 section 3.1.6.1 gave
 * 202 that meaning; RFC 6665 section 8.3.1 deprecates the distinction but requires subscribers to
 * treat 202 as 200, so old and new watchers both understand it, and the issue asks for it.
 *
 * Long-lived XMPP authorization versus short-lived SIP subscription (RFC 8048, as recalled: the RFC
 * text could not be read here; RFC 6121 section 3 for the XMPP side): alice's `subscribed` is
 * remembered for the pair (alice, bob) and outlives any one SIP subscription. A later SUBSCRIBE from
 * any of bob's devices is active at once, without asking alice again; a SIP un-SUBSCRIBE or an expiry
 * ends only that SIP subscription and never sends `unsubscribe` to alice (a phone that reboots does not
 * un-friend anyone). Only alice's `unsubscribed` (or a roster removal, which her server turns into one)
 * withdraws it.
 */
import xml, { type Element } from "@xmpp/xml";
import { isAddressError } from "../address/address-error.js";
import { parseNameAddr } from "../address/name-addr.js";
import { sipHeaderText } from "../sip/drachtio-hardening.js";
import type { SipRequest, SipResponse } from "../sip/sip-link.js";
import type { PresenceState } from "./presence-model.js";
import { bareJid, resourceOf, type PresenceContext } from "./presence-ports.js";
import { PIDF_CONTENT_TYPE } from "./pidf.js";
import {
  acceptsPidf,
  dialogKey,
  formatSubscriptionState,
  inDialogRequest,
  parseEvent,
  parseExpires,
  PRESENCE_EVENT,
  tagOf,
  uasDialog,
  type SubstateValue,
} from "./sip-events.js";
import { authorizationKey, type InboundSubscription, type XmppPresence } from "./store/presence-store.js";
import { presenceStanzaToState } from "./xmpp-presence.js";
import { xmppPresenceToPidf } from "./xmpp-to-pidf.js";

/** RFC 6665 section 8.2.2: a 489 names the packages the notifier does support. */
const BAD_EVENT_HEADERS = { "Allow-Events": PRESENCE_EVENT };

export class SipWatchers {
  private readonly subs = new Map<string, InboundSubscription>();
  /** `<presentity>|<watcher JID>` -> ids of that watcher's subscriptions (one per device). */
  private readonly byPair = new Map<string, Set<string>>();
  private readonly authorized = new Set<string>();
  private readonly presence = new Map<string, XmppPresence>();
  /**
   * A counter per XMPP user, increased when her presence changes, and the value each subscription was
   * last notified of (this process only): a presence stanza that changes nothing for a watcher (a
   * probe's answer, a repeated broadcast) sends no NOTIFY.
   */
  private readonly versions = new Map<string, number>();
  private readonly notified = new Map<string, number>();

  constructor(private readonly ctx: PresenceContext) {}

  get size(): number {
    return this.subs.size;
  }

  /** Takes the stored state at start; probes every watched XMPP user so NOTIFYs catch up. */
  restore(subs: InboundSubscription[], authorizations: string[], presence: Map<string, XmppPresence>): void {
    for (const a of authorizations) this.authorized.add(a);
    for (const [k, v] of presence) this.presence.set(k, v);
    for (const s of subs) this.index(s);
  }

  /** Presence probes for every pair with a live subscription (after start, once XMPP is up). */
  async probeAll(): Promise<void> {
    for (const key of this.byPair.keys()) {
      const [presentity = "", watcherJid = ""] = key.split("|");
      await this.ctx.xmpp.send(xml("presence", { type: "probe", from: watcherJid, to: presentity }));
    }
  }

  /** For SipLink.handle("SUBSCRIBE"). */
  readonly handleSubscribe = async (req: SipRequest, res: SipResponse): Promise<void> => {
    const { ctx } = this;
    const event = parseEvent(req.has("Event") ? req.get("Event") : undefined);
    if (event?.package !== PRESENCE_EVENT) {
      // RFC 6665 section 4.2.1.1 / 8.2.2: an event package the notifier does not understand -> 489.
      return send(res, 489, "Bad Event", BAD_EVENT_HEADERS);
    }
    const from = req.has("From") ? sipHeaderText(req.get("From")) : "";
    let watcherUri;
    try {
      watcherUri = parseNameAddr(from).uri;
    } catch {
      return send(res, 400, "Bad From Header");
    }
    const fromTag = tagOf(from);
    if (!fromTag) return send(res, 400, "Missing From Tag");
    if (!watcherUri.user || !ctx.addresses.isSipDomain(watcherUri.host)) {
      // As for MESSAGE (src/im/sip-to-xmpp.ts): nobody outside the SIP domains speaks through us.
      return send(res, 403, "Watcher Domain Not Served Here");
    }
    const callId = req.get("Call-ID");
    const expiresHeader = req.has("Expires") ? req.get("Expires") : undefined;
    const asked = parseExpires(expiresHeader);
    if (expiresHeader !== undefined && asked === undefined) return send(res, 400, "Bad Expires");

    // A To tag: a refresh or un-SUBSCRIBE in an existing subscription (RFC 6665 section 4.2.1.2).
    if (tagOf(req.get("To"))) {
      const sub = this.subs.get(dialogKey(callId, fromTag));
      // RFC 6665 section 4.2.1.2 / RFC 3261 section 12.2.2: no such dialog -> 481.
      if (!sub) return send(res, 481, "Subscription Does Not Exist");
      return this.refresh(sub, asked, res);
    }

    let presentity: string;
    try {
      presentity = ctx.addresses.sipUriToXmppUser(req.uri);
    } catch (e) {
      if (isAddressError(e) && e.reason === "wrong-domain") return send(res, 404, "Not Found");
      if (isAddressError(e)) return send(res, 484, "Address Incomplete");
      throw e;
    }
    if (!acceptsPidf(req.has("Accept") ? req.get("Accept") : undefined)) {
      // RFC 6665 section 4.2.1.1: none of the formats in Accept can be produced -> 406.
      return send(res, 406, "Not Acceptable", { Accept: PIDF_CONTENT_TYPE });
    }
    if (req.body && String(req.body).trim() !== "") {
      // A body in a SUBSCRIBE is a filter (RFC 4660); the gateway applies none, so it cannot honour it.
      return send(res, 415, "Unsupported Media Type", { Accept: "" });
    }
    const minExpires = ctx.settings.minExpires;
    if (asked !== undefined && asked > 0 && asked < minExpires) {
      return send(res, 423, "Interval Too Brief", { "Min-Expires": String(minExpires) });
    }
    if (!ctx.xmpp.online) return send(res, 503, "Service Unavailable", { "Retry-After": "30" });

    const watcherJid = ctx.addresses.sipUserToJid(watcherUri);
    const pair = authorizationKey(presentity, watcherJid);
    const expires = asked === undefined ? ctx.settings.maxExpires : Math.min(asked, ctx.settings.maxExpires);
    const active = this.authorized.has(pair);
    const localTag = await respond(res, active ? 200 : 202, active ? "OK" : "Accepted", {
      Expires: String(expires),
    });
    const dialog = uasDialog(
      {
        callId,
        from,
        to: sipHeaderText(req.get("To")),
        contact: req.has("Contact") ? sipHeaderText(req.get("Contact")) : "",
        recordRoute: req.has("Record-Route") ? [sipHeaderText(req.get("Record-Route"))] : [],
      },
      localTag ?? "",
    );
    if (!dialog || !localTag) {
      ctx.log.warn("SUBSCRIBE answered but its dialog is unusable (no Contact or tag)", { callId });
      return;
    }
    const sub: InboundSubscription = {
      id: dialogKey(callId, fromTag),
      watcherUri: watcherUri.format(),
      watcherJid,
      presentity,
      dialog,
      expiresAt: ctx.now() + expires * 1000,
      state: active ? "active" : "pending",
    };
    if (expires === 0) {
      // RFC 6665 section 4.4.3: Expires 0 on a new subscription is a fetch: one NOTIFY, terminated.
      await this.notify(sub, "terminated", "timeout");
      return;
    }
    this.index(sub);
    ctx.store.putInbound(sub);
    // RFC 6665 section 4.2.1.2: "the notifier MUST send a NOTIFY request immediately".
    await this.notify(sub, sub.state);
    if (active) {
      await ctx.xmpp.send(xml("presence", { type: "probe", from: watcherJid, to: presentity }));
    } else {
      await ctx.xmpp.send(xml("presence", { type: "subscribe", from: watcherJid, to: presentity }));
    }
  };

  /**
   * For presence stanzas from XMPP users to SIP users' JIDs that concern this direction: the user's
   * answer to a subscription request (subscribed/unsubscribed) and her availability. Returns false for
   * the others (subscribe/unsubscribe/probe, for XmppWatchers).
   */
  async onPresence(stanza: Element): Promise<boolean> {
    const type = stanza.attrs.type as string | undefined;
    const from = String(stanza.attrs.from ?? "");
    const presentity = bareJid(from);
    const watcherJid = bareJid(String(stanza.attrs.to ?? ""));
    const pair = authorizationKey(presentity, watcherJid);
    if (type === "subscribed") {
      if (!this.authorized.has(pair)) {
        this.authorized.add(pair);
        this.ctx.store.setAuthorized(presentity, watcherJid, true);
      }
      for (const sub of this.subsOf(pair)) {
        if (sub.state === "active") continue;
        sub.state = "active";
        this.ctx.store.putInbound(sub);
        await this.notify(sub, "active");
      }
      return true;
    }
    if (type === "unsubscribed") {
      if (this.authorized.delete(pair)) this.ctx.store.setAuthorized(presentity, watcherJid, false);
      // RFC 6665 section 4.4.1 "rejected": the subscription was terminated by the notifier's policy.
      for (const sub of this.subsOf(pair)) await this.end(sub, "rejected");
      return true;
    }
    if (type !== undefined && type !== "unavailable") return false;
    const state = presenceStanzaToState(stanza);
    if (!state) return false;
    this.update(presentity, resourceOf(from), state);
    // Each SIP watcher gets its own copy of the stanza from the XMPP server (one per contact with a
    // 'from' subscription), so only this pair's subscriptions are notified here.
    const version = this.versions.get(presentity) ?? 0;
    for (const sub of this.subsOf(pair)) {
      if (sub.state === "active" && (this.notified.get(sub.id) ?? -1) < version)
        await this.notify(sub, "active");
    }
    return true;
  }

  /** Ends subscriptions whose time ran out (RFC 6665 section 4.2.2: NOTIFY terminated;reason=timeout). */
  async sweep(now: number): Promise<void> {
    const due = [...this.subs.values()].filter((s) => s.expiresAt <= now);
    for (const sub of due) await this.end(sub, "timeout");
  }

  private async refresh(
    sub: InboundSubscription,
    asked: number | undefined,
    res: SipResponse,
  ): Promise<void> {
    const { ctx } = this;
    if (asked === 0) {
      // RFC 6665 section 4.2.1.4: un-subscribing; the final NOTIFY says terminated.
      await respond(res, 200, "OK", { Expires: "0" });
      await this.end(sub, "timeout");
      return;
    }
    if (asked !== undefined && asked < ctx.settings.minExpires) {
      return send(res, 423, "Interval Too Brief", { "Min-Expires": String(ctx.settings.minExpires) });
    }
    const expires = asked === undefined ? ctx.settings.maxExpires : Math.min(asked, ctx.settings.maxExpires);
    sub.expiresAt = ctx.now() + expires * 1000;
    ctx.store.putInbound(sub);
    await respond(res, 200, "OK", { Expires: String(expires) });
    // RFC 6665 section 4.2.1.2: a refresh is answered with a NOTIFY too.
    await this.notify(sub, sub.state);
  }

  /** Records a resource's new state; true when it changed. */
  private update(presentity: string, resource: string, state: PresenceState): boolean {
    const current = this.presence.get(presentity) ?? {};
    const before = JSON.stringify(current[resource] ?? null);
    const next: XmppPresence = { ...current };
    if (state.available) next[resource] = state;
    else delete next[resource];
    if (JSON.stringify(next[resource] ?? null) === before) return false;
    this.presence.set(presentity, next);
    this.versions.set(presentity, (this.versions.get(presentity) ?? 0) + 1);
    this.ctx.store.putXmppPresence(presentity, next);
    return true;
  }

  private subsOf(pair: string): InboundSubscription[] {
    const ids = this.byPair.get(pair);
    if (!ids) return [];
    return [...ids].map((id) => this.subs.get(id)).filter((s): s is InboundSubscription => s !== undefined);
  }

  private index(sub: InboundSubscription): void {
    this.subs.set(sub.id, sub);
    const pair = authorizationKey(sub.presentity, sub.watcherJid);
    let ids = this.byPair.get(pair);
    if (!ids) this.byPair.set(pair, (ids = new Set()));
    ids.add(sub.id);
  }

  private forget(sub: InboundSubscription): void {
    this.subs.delete(sub.id);
    this.notified.delete(sub.id);
    const pair = authorizationKey(sub.presentity, sub.watcherJid);
    const ids = this.byPair.get(pair);
    ids?.delete(sub.id);
    if (ids?.size === 0) this.byPair.delete(pair);
    this.ctx.store.deleteInbound(sub.id);
  }

  private async end(sub: InboundSubscription, reason: string): Promise<void> {
    this.forget(sub);
    await this.notify(sub, "terminated", reason);
  }

  /**
   * Sends a NOTIFY in the subscription's dialog. Active ones carry the PIDF of the user's resources;
   * pending and terminated ones carry none (RFC 6665 section 4.2.2; no state is disclosed before the
   * user authorized the watcher). A NOTIFY that fails without Retry-After ends the subscription
   * (RFC 6665 section 4.2.2: "the notifier MUST remove the subscription" on 481, and a failed NOTIFY
   * is treated the same way).
   */
  private async notify(sub: InboundSubscription, state: SubstateValue, reason?: string): Promise<void> {
    const { ctx } = this;
    const remaining = Math.max(0, Math.round((sub.expiresAt - ctx.now()) / 1000));
    const r = inDialogRequest(sub.dialog, "NOTIFY");
    const headers: Record<string, string> = {
      ...r.headers,
      "Subscription-State": formatSubscriptionState(state, {
        expires: remaining,
        ...(reason ? { reason } : {}),
      }),
    };
    let body: string | undefined;
    if (state === "active") {
      if (this.subs.has(sub.id)) this.notified.set(sub.id, this.versions.get(sub.presentity) ?? 0);
      const resources = Object.entries(this.presence.get(sub.presentity) ?? {}).map(([resource, s]) => ({
        resource,
        state: s,
      }));
      body = xmppPresenceToPidf(sub.dialog.localUri, resources);
      headers["Content-Type"] = PIDF_CONTENT_TYPE;
    }
    const proxy = r.proxy ?? (ctx.settings.outboundProxy || undefined);
    const answer = await ctx.sip.request({
      method: "NOTIFY",
      uri: r.uri,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(proxy ? { proxy } : {}),
    });
    if (answer.status >= 300 && state !== "terminated" && this.subs.has(sub.id)) {
      if (answer.get("Retry-After") !== undefined && answer.status !== 481) return;
      ctx.log.info("NOTIFY refused: subscription removed", {
        callId: sub.dialog.callId,
        watcher: sub.watcherUri,
        status: answer.status,
      });
      this.forget(sub);
    }
  }
}

function send(res: SipResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
  if (!res.finalResponseSent) res.send(status, reason, { headers });
}

/** Sends a final response and resolves with the To tag drachtio gave it (the dialog's local tag). */
function respond(
  res: SipResponse,
  status: number,
  reason: string,
  headers: Record<string, string>,
): Promise<string | undefined> {
  const sendWithCallback = res.send.bind(res) as unknown as (
    status: number,
    reason: string,
    opts: { headers: Record<string, string> },
    callback: (err: unknown, msg?: { get(h: string): string }) => void,
  ) => void;
  return new Promise((resolve) => {
    sendWithCallback(status, reason, { headers }, (err, msg) => {
      resolve(err || !msg ? undefined : tagOf(msg.get("To")));
    });
  });
}
