/**
 * What the IM bridge needs from the doors, as small interfaces, so the bridge is tested without
 * them and the doors know nothing of IM. Also the settings and the shared state of both directions.
 */
import type { Element } from "@xmpp/xml";
import type { AddressMapper } from "../address/address-mapper.js";
import type { Logger } from "../log/logger.js";
import type { FinalResponse, OutgoingRequest } from "../sip/sip-link.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { TrackedMessages } from "./tracked-messages.js";

export interface XmppPort {
  readonly domain: string;
  readonly online: boolean;
  send(stanza: Element): Promise<void>;
}

export interface SipPort {
  readonly connected: boolean;
  request(r: OutgoingRequest): Promise<FinalResponse>;
}

export interface ImSettings {
  cpim: boolean;
  maxMessageSize: number;
  largeMessage: "tcp" | "split";
  outboundProxy: string;
}

/** A message that went SIP -> XMPP: where to send what the XMPP side says about it later. */
export interface FromSip {
  /** The SIP sender's address of record (no tag), where a failure notice or IMDN goes. */
  sipSender: string;
  /** The XMPP recipient's JID; as a SIP URI it is the From of anything the gateway sends back. */
  recipient: string;
  wantsDelivered: boolean;
  wantsDisplayed: boolean;
}

/** A message that went XMPP -> SIP: where a later IMDN for it goes. */
export interface FromXmpp {
  /** The XMPP sender's full JID. */
  jid: string;
  /** The SIP recipient's JID (the `from` of the receipt). */
  peer: string;
  wantsDelivered: boolean;
  wantsDisplayed: boolean;
  /** A receipt went out already (200 from the UA); an IMDN for it adds nothing. */
  delivered: boolean;
}

export interface ImContext {
  xmpp: XmppPort;
  sip: SipPort;
  addresses: AddressMapper;
  settings: ImSettings;
  limiter: RateLimiter;
  fromSip: TrackedMessages<FromSip>;
  fromXmpp: TrackedMessages<FromXmpp>;
  log: Logger;
  newId(): string;
}
