/**
 * What the presence bridge needs from the doors and the store, as small interfaces (the presence
 * counterpart of `src/im/im-ports.ts`), so both directions are tested with recorded doors.
 */
import type { Element } from "@xmpp/xml";
import type { AddressMapper } from "../address/address-mapper.js";
import type { Logger } from "../log/logger.js";
import type { SipPort, XmppPort } from "../im/im-ports.js";
import type { PresenceStore } from "./store/presence-store.js";

/** The doors as the IM bridge sees them: the same two small interfaces serve presence. */
export type PresenceXmppPort = XmppPort;
export type PresenceSipPort = SipPort;

export interface PresenceSettings {
  /** Seconds asked for in the gateway's SUBSCRIBEs. */
  expires: number;
  /** Shortest and longest subscription granted to SIP watchers, seconds. */
  minExpires: number;
  maxExpires: number;
  outboundProxy: string;
}

export interface PresenceContext {
  xmpp: PresenceXmppPort;
  sip: PresenceSipPort;
  addresses: AddressMapper;
  store: PresenceStore;
  settings: PresenceSettings;
  log: Logger;
  /** Milliseconds since the epoch (a test clock in unit tests). */
  now(): number;
  /** A new random token: Call-IDs and tags. */
  newToken(): string;
  /** The XEP-0115 <c/> to put in SIP users' available presence, if any. */
  caps?: () => Element;
}

/** The bare form of a JID (no resource). */
export function bareJid(jid: string): string {
  const slash = jid.indexOf("/");
  return slash < 0 ? jid : jid.slice(0, slash);
}

/** The resource of a full JID, "" for a bare one. */
export function resourceOf(jid: string): string {
  const slash = jid.indexOf("/");
  return slash < 0 ? "" : jid.slice(slash + 1);
}
