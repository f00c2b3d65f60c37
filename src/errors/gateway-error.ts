import { isAddressError } from "../address/address-error.js";
import {
  XMPP_ERROR_TYPES,
  XMPP_TO_SIP,
  sipReasonPhrase,
  sipStatusToXmpp,
  type XmppErrorCondition,
  type XmppErrorType,
} from "./error-map.js";

export interface GatewayErrorInit {
  condition: XmppErrorCondition;
  type?: XmppErrorType;
  text?: string;
  sipStatus?: number;
  sipReason?: string;
  /** Which side the error was first expressed in; `"xmpp"` unless told. */
  origin?: "xmpp" | "sip";
  cause?: unknown;
  /** An application-specific error condition (RFC 6120 8.3.2) for the stanza error, if any. */
  appCondition?: { name: string; xmlns: string };
}

/**
 * An error that knows how it looks on both sides of the gateway: an XMPP stanza error (condition, type,
 * optional human-readable text, RFC 6120 section 8.3) and a SIP final response (status and reason phrase).
 * Whichever side it comes from, the other side is derived with the tables of `error-map.ts`
 * (RFC 7247 section 7), unless both are given; `origin` records which one was given.
 *
 * Worked examples:
 *
 * | created with                                   | condition / type                | SIP                     |
 * | ---------------------------------------------- | ------------------------------- | ----------------------- |
 * | `GatewayError.fromSipStatus(486)`              | `recipient-unavailable` / wait  | 486 Busy Here           |
 * | `GatewayError.fromSipStatus(499)`              | `bad-request` / modify (class)  | 499 Request Failure     |
 * | `GatewayError.xmpp("item-not-found")`          | `item-not-found` / cancel       | 404 Not Found           |
 * | `toGatewayError(new AddressError(...))`        | `jid-malformed` / modify + text | 484 Address Incomplete  |
 * | `toGatewayError(new Error("boom"))`            | `internal-server-error` / cancel| 500 Server Internal Error |
 *
 * The adapters call `toGatewayError` in one place each and render the result as a stanza error or a SIP
 * response; nothing else in the gateway needs to know the tables.
 */
export class GatewayError extends Error {
  readonly condition: XmppErrorCondition;
  readonly type: XmppErrorType;
  /** Text for the stanza error's `<text/>` (and a SIP Warning or reason), if any. */
  readonly text: string | undefined;
  readonly sipStatus: number;
  readonly sipReason: string;
  readonly origin: "xmpp" | "sip";
  readonly appCondition: { name: string; xmlns: string } | undefined;

  constructor(init: GatewayErrorInit) {
    const sipStatus = init.sipStatus ?? XMPP_TO_SIP[init.condition].status;
    super(
      init.text ?? `${init.condition} (SIP ${sipStatus})`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.name = "GatewayError";
    this.condition = init.condition;
    this.type = init.type ?? XMPP_ERROR_TYPES[init.condition];
    this.text = init.text;
    this.sipStatus = sipStatus;
    this.sipReason = init.sipReason ?? sipReasonPhrase(sipStatus);
    this.origin = init.origin ?? "xmpp";
    this.appCondition = init.appCondition;
  }

  /** From a SIP final response code (300-699); the XMPP side by RFC 7247 section 7. Throws `RangeError` otherwise. */
  static fromSipStatus(status: number, text?: string): GatewayError {
    const { condition, type } = sipStatusToXmpp(status);
    return new GatewayError({ condition, type, text, sipStatus: status, origin: "sip" });
  }

  /** From an XMPP condition; the SIP side by RFC 7247 section 7. */
  static xmpp(condition: XmppErrorCondition, text?: string): GatewayError {
    return new GatewayError({ condition, text });
  }
}

/**
 * Turns anything thrown into a `GatewayError`: a `GatewayError` as it is; an `AddressError` (a SIP URI
 * or JID that cannot be parsed or mapped) into `jid-malformed` / 484 with its message as text (RFC 6120
 * section 8.3.3.8, RFC 7247 section 7); anything else into `internal-server-error` / 500 without text,
 * so that internals never leak to the other network.
 */
export function toGatewayError(e: unknown): GatewayError {
  if (e instanceof GatewayError) return e;
  if (isAddressError(e)) return new GatewayError({ condition: "jid-malformed", text: e.message, cause: e });
  return new GatewayError({ condition: "internal-server-error", cause: e });
}
