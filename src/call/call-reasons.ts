/**
 * How a call's end is told on each side: Jingle reasons (XEP-0166 section 7.4) <-> SIP final
 * responses (RFC 3261 section 21) and BYE. This is the one table of the call bridge; every mapping
 * below names why. docs/calls.md shows the same table.
 *
 * XEP-0166 section 7.4 defines the conditions; their sentences are quoted where a choice was made:
 * - busy: "The party is busy and cannot accept a session."
 * - decline: "The party wishes to formally decline the session."
 * - timeout / expired: "The request cannot occur at this time (e.g., the party is not available)"
 *   is general-error's text; timeout is "The session has been ended because it timed out" and
 *   expired "The session invitation has expired".
 * - cancel: "The party is canceling the session" (used by an initiator before an answer).
 * - connectivity-error: "The action is related to a failure to establish connectivity".
 * - failed-application / media-error / incompatible-parameters: the application (RTP) failed, media
 *   could not be set up, or "the party supports none of the offered application parameters".
 * - gone: "The party is no longer available" (XEP-0166 lists it; used for 404/410/604 below).
 */

export type JingleCondition =
  | "alternative-session"
  | "busy"
  | "cancel"
  | "connectivity-error"
  | "decline"
  | "expired"
  | "failed-application"
  | "failed-transport"
  | "general-error"
  | "gone"
  | "incompatible-parameters"
  | "media-error"
  | "security-error"
  | "success"
  | "timeout"
  | "unsupported-applications"
  | "unsupported-transports";

export const JINGLE_CONDITIONS: readonly JingleCondition[] = [
  "alternative-session",
  "busy",
  "cancel",
  "connectivity-error",
  "decline",
  "expired",
  "failed-application",
  "failed-transport",
  "general-error",
  "gone",
  "incompatible-parameters",
  "media-error",
  "security-error",
  "success",
  "timeout",
  "unsupported-applications",
  "unsupported-transports",
];

export interface SipFinal {
  status: number;
  reason: string;
}

/**
 * An XMPP callee ends an unanswered SIP -> XMPP call (JMI reject, session-terminate before accept):
 * the final response to the INVITE (RFC 3261 section 21).
 */
const JINGLE_TO_SIP: Record<JingleCondition, SipFinal> = {
  // RFC 3261 21.4.24 486 Busy Here: "the callee's end system was contacted successfully, but the
  // callee is currently not willing or able to take additional calls at this end system".
  busy: { status: 486, reason: "Busy Here" },
  "alternative-session": { status: 486, reason: "Busy Here" },
  // RFC 3261 21.6.2 603 Decline: "the callee's machine was successfully contacted but the user
  // explicitly does not wish to or cannot participate".
  decline: { status: 603, reason: "Decline" },
  // No answer: RFC 3261 21.4.18 480 Temporarily Unavailable ("the callee's end system was contacted
  // successfully but the callee is currently unavailable (for example, ... not answering)").
  timeout: { status: 480, reason: "Temporarily Unavailable" },
  expired: { status: 480, reason: "Temporarily Unavailable" },
  gone: { status: 480, reason: "Temporarily Unavailable" },
  // A callee that "cancels" has declined the session in effect: 603, not 487 (487 answers a CANCEL).
  cancel: { status: 603, reason: "Decline" },
  success: { status: 603, reason: "Decline" },
  // The offer could not be used: RFC 3261 21.4.26 488 Not Acceptable Here ("the response MAY contain
  // a message body containing a description of media capabilities").
  "incompatible-parameters": { status: 488, reason: "Not Acceptable Here" },
  "unsupported-applications": { status: 488, reason: "Not Acceptable Here" },
  "unsupported-transports": { status: 488, reason: "Not Acceptable Here" },
  "media-error": { status: 488, reason: "Not Acceptable Here" },
  "security-error": { status: 488, reason: "Not Acceptable Here" },
  // Connectivity and application failures are the gateway side's trouble, not the caller's:
  // RFC 3261 21.5.4 503 Service Unavailable ("temporarily unable to process the request").
  "connectivity-error": { status: 503, reason: "Service Unavailable" },
  "failed-transport": { status: 503, reason: "Service Unavailable" },
  "failed-application": { status: 503, reason: "Service Unavailable" },
  "general-error": { status: 500, reason: "Server Internal Error" },
};

export function jingleReasonToSip(condition: JingleCondition): SipFinal {
  return JINGLE_TO_SIP[condition];
}

/** A SIP final response that ends an XMPP -> SIP call before it is answered, as a Jingle condition. */
export function sipStatusToJingle(status: number): JingleCondition {
  switch (status) {
    case 486: // Busy Here
    case 600: // Busy Everywhere (RFC 3261 21.6.1)
      return "busy";
    case 603: // Decline
    case 607: // Unwanted (RFC 8197)
      return "decline";
    case 408: // Request Timeout: nobody answered in time (RFC 3261 21.4.9)
    case 480: // Temporarily Unavailable: not answering (21.4.18)
      return "timeout";
    case 487: // Request Terminated: the INVITE was cancelled (21.4.25)
      return "cancel";
    case 404: // Not Found
    case 410: // Gone
    case 604: // Does Not Exist Anywhere
      return "gone";
    case 415: // Unsupported Media Type
    case 488: // Not Acceptable Here
    case 606: // Not Acceptable
      return "incompatible-parameters";
    case 503: // Service Unavailable: the far side (or the path to it) cannot take calls now
      return "connectivity-error";
    default:
      if (status >= 600) return "decline";
      return "general-error";
  }
}

/**
 * The RFC 3326 Reason header a BYE or CANCEL carries for a Jingle condition, so a SIP peer (and its
 * CDRs) learns why. RFC 3326 section 2: `Reason: SIP ;cause=<status> ;text="..."`.
 */
export function reasonHeader(condition: JingleCondition): string {
  const status =
    condition === "success" ? 200 : condition === "cancel" ? 487 : JINGLE_TO_SIP[condition].status;
  return `SIP;cause=${status};text="${condition}"`;
}

/**
 * A SIP BYE (or a Reason header in it) as the Jingle condition of the session-terminate: a BYE is the
 * normal end of a call, "success" (XEP-0166 7.4: "The session has been successfully terminated").
 * A Reason header with a SIP cause of an error class (RFC 3326) is passed on as that error.
 */
export function byeToJingle(reasonHeaderValue: string | undefined): JingleCondition {
  if (!reasonHeaderValue) return "success";
  const m = /^\s*SIP\s*;(?:.*;)?\s*cause\s*=\s*(\d{3})/i.exec(reasonHeaderValue);
  if (!m) return "success";
  const status = Number(m[1]);
  return status < 300 ? "success" : sipStatusToJingle(status);
}

export function isJingleCondition(name: string): name is JingleCondition {
  return (JINGLE_CONDITIONS as readonly string[]).includes(name);
}
