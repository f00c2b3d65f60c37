/**
 * What presence keeps across restarts (issue 4, point 3): the subscriptions in both directions with
 * their SIP dialogs, the authorizations XMPP users gave SIP watchers, and the last presence known of
 * each side. The bridge keeps the live copy in memory and writes every change through this
 * interface; at start it loads everything once.
 *
 * The interface is a set of keyed tables of JSON-able records, so that a shared store (several
 * gateway instances behind one database or Redis) can implement it later: `load()` is asynchronous,
 * writes are fire-and-forget (an implementation may batch them; `close()` flushes).
 */
import type { PresenceState } from "../presence-model.js";

/**
 * The SIP dialog of a subscription (RFC 3261 section 12.1): what the gateway needs to send requests
 * in it, including after a restart.
 */
export interface DialogState {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our URI, the From of requests we send (no tag). */
  localUri: string;
  /** The peer's URI, the To of requests we send (no tag). */
  remoteUri: string;
  /** The peer's Contact URI: the Request-URI of requests we send (RFC 3261 section 12.2.1.1). */
  remoteTarget: string;
  /** The route set from Record-Route (RFC 3261 section 12.1), in the order requests use it. */
  routeSet: string[];
}

/** An XMPP user watches a SIP user: the gateway is the SIP subscriber. */
export interface OutboundSubscription {
  /** The watcher's bare JID. */
  watcher: string;
  /** The JID that stands for the SIP user (bob@sip.example.com). */
  contact: string;
  /** The SIP user's URI, the Request-URI of the first SUBSCRIBE. */
  sipUri: string;
  /** pending until a NOTIFY said active; then the watcher was sent `subscribed`. */
  state: "pending" | "active";
  /** The SIP subscription's dialog, once a 2xx or NOTIFY established it. */
  dialog?: DialogState | undefined;
  /** When the SIP subscription runs out (ms since the epoch); 0 when there is none yet. */
  expiresAt: number;
  /** The last presence the SIP side notified. */
  presence?: PresenceState | undefined;
}

/** A SIP user watches an XMPP user: the gateway is the notifier. */
export interface InboundSubscription {
  /** `<Call-ID>;<watcher's From tag>`. */
  id: string;
  /** The watcher's address of record (SIP URI, no tag). */
  watcherUri: string;
  /** The JID that stands for the watcher (bob@sip.example.com). */
  watcherJid: string;
  /** The watched XMPP user's bare JID. */
  presentity: string;
  dialog: DialogState;
  /** When the subscription runs out unless refreshed (ms since the epoch). */
  expiresAt: number;
  /** pending until the XMPP user authorized the watcher. */
  state: "pending" | "active";
}

/** The presence of an XMPP user's resources, as last seen by the gateway. */
export type XmppPresence = Record<string, PresenceState>;

export interface StoredPresence {
  outbound: OutboundSubscription[];
  inbound: InboundSubscription[];
  /** Keys `<presentity bare JID>|<watcher JID>` of authorizations XMPP users gave SIP watchers. */
  authorizations: string[];
  xmppPresence: Map<string, XmppPresence>;
}

export interface PresenceStore {
  load(): Promise<StoredPresence>;
  putOutbound(s: OutboundSubscription): void;
  deleteOutbound(watcher: string, contact: string): void;
  putInbound(s: InboundSubscription): void;
  deleteInbound(id: string): void;
  setAuthorized(presentity: string, watcherJid: string, authorized: boolean): void;
  putXmppPresence(presentity: string, presence: XmppPresence): void;
  /** Writes what is pending and releases the store. */
  close(): void;
}

export const outboundKey = (watcher: string, contact: string): string => `${watcher}|${contact}`;
export const authorizationKey = (presentity: string, watcherJid: string): string =>
  `${presentity}|${watcherJid}`;

/** A store that keeps nothing beyond the process: for tests, and `presence.database: ":memory:"`. */
export class MemoryPresenceStore implements PresenceStore {
  private readonly outbound = new Map<string, OutboundSubscription>();
  private readonly inbound = new Map<string, InboundSubscription>();
  private readonly authorizations = new Set<string>();
  private readonly xmpp = new Map<string, XmppPresence>();

  load(): Promise<StoredPresence> {
    const copy = <T>(v: T): T => structuredClone(v);
    return Promise.resolve({
      outbound: [...this.outbound.values()].map(copy),
      inbound: [...this.inbound.values()].map(copy),
      authorizations: [...this.authorizations],
      xmppPresence: new Map([...this.xmpp].map(([k, v]) => [k, copy(v)])),
    });
  }
  putOutbound(s: OutboundSubscription): void {
    this.outbound.set(outboundKey(s.watcher, s.contact), structuredClone(s));
  }
  deleteOutbound(watcher: string, contact: string): void {
    this.outbound.delete(outboundKey(watcher, contact));
  }
  putInbound(s: InboundSubscription): void {
    this.inbound.set(s.id, structuredClone(s));
  }
  deleteInbound(id: string): void {
    this.inbound.delete(id);
  }
  setAuthorized(presentity: string, watcherJid: string, authorized: boolean): void {
    const key = authorizationKey(presentity, watcherJid);
    if (authorized) this.authorizations.add(key);
    else this.authorizations.delete(key);
  }
  putXmppPresence(presentity: string, presence: XmppPresence): void {
    this.xmpp.set(presentity, structuredClone(presence));
  }
  close(): void {}
}
