/**
 * Presence both ways (RFC 8048): the two directions (`SipWatchers`, `XmppWatchers`), their store, and
 * the one timer that expires, refreshes and retries subscriptions. Built by `gateway.ts`.
 *
 * Presence stanzas to SIP users' JIDs go to both directions in turn: `XmppWatchers` takes the
 * watcher's subscribe/unsubscribe/probe, `SipWatchers` the user's subscribed/unsubscribed answers
 * and her availability. Errors about presence are dropped (RFC 6120 section 8.3.1: never answer an
 * error; there is no SIP request to fail).
 */
import type { Element } from "@xmpp/xml";
import type { SipRequest, SipResponse } from "../sip/sip-link.js";
import type { PresenceContext } from "./presence-ports.js";
import { SipWatchers } from "./sip-watchers.js";
import { XmppWatchers } from "./xmpp-watchers.js";

const SWEEP_MS = 1_000;

export class PresenceBridge {
  readonly sipWatchers: SipWatchers;
  readonly xmppWatchers: XmppWatchers;
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private probed = false;

  constructor(private readonly ctx: PresenceContext) {
    this.sipWatchers = new SipWatchers(ctx);
    this.xmppWatchers = new XmppWatchers(ctx);
  }

  /** Loads the stored subscriptions and starts the timer. */
  async start(): Promise<void> {
    const stored = await this.ctx.store.load();
    this.sipWatchers.restore(stored.inbound, stored.authorizations, stored.xmppPresence);
    this.xmppWatchers.restore(stored.outbound);
    if (stored.inbound.length + stored.outbound.length > 0) {
      this.ctx.log.info("presence subscriptions restored", {
        sipWatchers: stored.inbound.length,
        xmppWatchers: stored.outbound.length,
      });
    }
    this.timer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.ctx.store.close();
  }

  /** For ComponentLink.onStanza. */
  readonly handleStanza = async (stanza: Element): Promise<boolean> => {
    if (stanza.name !== "presence") return false;
    const to = String(stanza.attrs.to ?? "");
    if (!to.includes("@") || !stanza.attrs.from) return false;
    if (stanza.attrs.type === "error") return true;
    if (await this.xmppWatchers.onPresence(stanza)) return true;
    return this.sipWatchers.onPresence(stanza);
  };

  readonly handleSubscribe = (req: SipRequest, res: SipResponse): Promise<void> =>
    this.sipWatchers.handleSubscribe(req, res);

  readonly handleNotify = (req: SipRequest, res: SipResponse): Promise<void> =>
    this.xmppWatchers.handleNotify(req, res);

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      if (!this.probed && this.ctx.xmpp.online) {
        // Once per process: ask the XMPP server for the current presence of every watched user, so the
        // NOTIFYs of subscriptions restored from the store carry what is true now.
        this.probed = true;
        await this.sipWatchers.probeAll();
      }
      const now = this.ctx.now();
      await this.sipWatchers.sweep(now);
      await this.xmppWatchers.sweep(now);
    } catch (e) {
      this.ctx.log.warn("presence timer failed", { error: String(e) });
    } finally {
      this.sweeping = false;
    }
  }
}
