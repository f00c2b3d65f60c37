/**
 * Error mapping between XMPP stanza errors and SIP response codes (RFC 7247 section 7), in one place.
 *
 * Source and reliability (details and every deviation in docs/error-mapping.md):
 * - The rows are the two tables of RFC 7247 section 7 (XMPP -> SIP, SIP -> XMPP) as recalled independently by
 *   two readers (/work/shared/notes/specs.md); the RFC text itself could not be read here, so they are
 *   unverified against it. Where a row of the RFC gives two codes ("405 or 501") the default below is
 *   ours, reasoned in the row's comment, and the other code is kept as `alternative`.
 * - Kamailio's pua_xmpp (`get_error_reason()` in src/modules/pua_xmpp/simple2xmpp.c, written in 2007,
 *   before RFC 7247) was read as an independent check of the SIP -> XMPP direction: it agrees on most
 *   rows and differs on 402, 405, 407, 408, 413, 414, 484 and 513 and in its default. We follow RFC 7247
 *   everywhere: `payment-required` no longer exists in RFC 6120, and the other differences predate the
 *   RFC. No public implementation of the XMPP -> SIP direction was found.
 * - The error `type` of each condition is the one RFC 6120 section 8.3.3 gives for it ("the associated
 *   error type SHOULD be ..."); where it allows two, the first listed is used.
 */

/** The 22 defined stanza error conditions of RFC 6120 section 8.3.3. */
export type XmppErrorCondition =
  | "bad-request"
  | "conflict"
  | "feature-not-implemented"
  | "forbidden"
  | "gone"
  | "internal-server-error"
  | "item-not-found"
  | "jid-malformed"
  | "not-acceptable"
  | "not-allowed"
  | "not-authorized"
  | "policy-violation"
  | "recipient-unavailable"
  | "redirect"
  | "registration-required"
  | "remote-server-not-found"
  | "remote-server-timeout"
  | "resource-constraint"
  | "service-unavailable"
  | "subscription-required"
  | "undefined-condition"
  | "unexpected-request";

/** The stanza error types of RFC 6120 section 8.3.2 that the conditions use (`continue` is never an error). */
export type XmppErrorType = "auth" | "cancel" | "modify" | "wait";

/** RFC 6120 section 8.3.3: the type each condition SHOULD carry. */
export const XMPP_ERROR_TYPES: Readonly<Record<XmppErrorCondition, XmppErrorType>> = {
  "bad-request": "modify", // 8.3.3.1
  conflict: "cancel", // 8.3.3.2
  "feature-not-implemented": "cancel", // 8.3.3.3: "cancel" or "modify"
  forbidden: "auth", // 8.3.3.4
  gone: "cancel", // 8.3.3.5
  "internal-server-error": "cancel", // 8.3.3.6
  "item-not-found": "cancel", // 8.3.3.7
  "jid-malformed": "modify", // 8.3.3.8
  "not-acceptable": "modify", // 8.3.3.9
  "not-allowed": "cancel", // 8.3.3.10
  "not-authorized": "auth", // 8.3.3.11
  "policy-violation": "modify", // 8.3.3.12: "modify" or "wait"
  "recipient-unavailable": "wait", // 8.3.3.13
  redirect: "modify", // 8.3.3.14
  "registration-required": "auth", // 8.3.3.15
  "remote-server-not-found": "cancel", // 8.3.3.16
  "remote-server-timeout": "wait", // 8.3.3.17
  "resource-constraint": "wait", // 8.3.3.18
  "service-unavailable": "cancel", // 8.3.3.19
  "subscription-required": "auth", // 8.3.3.20
  "undefined-condition": "cancel", // 8.3.3.21: "any error type can be used"
  "unexpected-request": "wait", // 8.3.3.22: "wait" or "modify"
};

/** Standard reason phrases (RFC 3261 section 21; 489 from RFC 6665 section 8.3.2) of every status used here. */
export const SIP_REASON_PHRASES: Readonly<Record<number, string>> = {
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Moved Temporarily",
  305: "Use Proxy",
  380: "Alternative Service",
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  410: "Gone",
  413: "Request Entity Too Large",
  414: "Request-URI Too Long",
  415: "Unsupported Media Type",
  416: "Unsupported URI Scheme",
  420: "Bad Extension",
  421: "Extension Required",
  423: "Interval Too Brief",
  480: "Temporarily Unavailable",
  481: "Call/Transaction Does Not Exist",
  482: "Loop Detected",
  483: "Too Many Hops",
  484: "Address Incomplete",
  485: "Ambiguous",
  486: "Busy Here",
  487: "Request Terminated",
  488: "Not Acceptable Here",
  489: "Bad Event",
  491: "Request Pending",
  493: "Undecipherable",
  500: "Server Internal Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Server Time-out",
  505: "Version Not Supported",
  513: "Message Too Large",
  600: "Busy Everywhere",
  603: "Decline",
  604: "Does Not Exist Anywhere",
  606: "Not Acceptable",
};

export interface XmppToSipRow {
  readonly status: number;
  /** The other code RFC 7247 gives for this condition, and when an adapter should use it instead. */
  readonly alternative?: { readonly status: number; readonly when: string };
}

/** RFC 7247 section 7, XMPP stanza error condition -> SIP response code. */
export const XMPP_TO_SIP: Readonly<Record<XmppErrorCondition, XmppToSipRow>> = {
  "bad-request": { status: 400 },
  conflict: { status: 400 },
  // "405 or 501": 405 MUST carry an Allow header (RFC 3261 section 21.4.6), which a gateway rarely knows.
  "feature-not-implemented": {
    status: 501,
    alternative: {
      status: 405,
      when: "the unsupported feature is the SIP method itself and Allow can be sent",
    },
  },
  forbidden: { status: 403 },
  // "301 or 410": 301 needs the new address for Contact (RFC 3261 section 21.3.2).
  gone: { status: 410, alternative: { status: 301, when: "the <gone/> element carries a new address" } },
  "internal-server-error": { status: 500 },
  "item-not-found": { status: 404 },
  "jid-malformed": { status: 484 },
  "not-acceptable": { status: 406 },
  "not-allowed": { status: 405 },
  "not-authorized": { status: 401 },
  "policy-violation": { status: 403 },
  "recipient-unavailable": { status: 480 },
  redirect: { status: 302 },
  "registration-required": { status: 400 },
  // "404 or 408": RFC 6120 section 8.3.3.16 covers both "does not exist or cannot be resolved" and no answer.
  "remote-server-not-found": {
    status: 404,
    alternative: { status: 408, when: "the remote server was resolved but did not answer" },
  },
  "remote-server-timeout": { status: 408 },
  "resource-constraint": { status: 500 },
  "service-unavailable": { status: 503 },
  "subscription-required": { status: 400 },
  "undefined-condition": { status: 400 },
  // "491 or 400": 491 makes the client retry after a random delay (RFC 3261 section 14.1); only for glare.
  "unexpected-request": {
    status: 400,
    alternative: { status: 491, when: "the request races with one pending in the same session (glare)" },
  },
};

/** RFC 7247 section 7, SIP response code -> XMPP stanza error condition (codes listed in the RFC). */
export const SIP_TO_XMPP: Readonly<Record<number, XmppErrorCondition>> = {
  300: "redirect",
  301: "gone",
  302: "redirect",
  305: "redirect",
  380: "not-acceptable",
  400: "bad-request",
  401: "not-authorized",
  402: "bad-request",
  403: "forbidden",
  404: "item-not-found",
  405: "feature-not-implemented",
  406: "not-acceptable",
  407: "not-authorized",
  408: "remote-server-timeout",
  410: "gone",
  413: "policy-violation",
  414: "policy-violation",
  415: "bad-request",
  416: "bad-request",
  420: "bad-request",
  421: "bad-request",
  423: "bad-request",
  480: "recipient-unavailable",
  481: "item-not-found",
  482: "not-acceptable",
  483: "not-acceptable",
  484: "item-not-found",
  485: "item-not-found",
  486: "recipient-unavailable",
  487: "service-unavailable",
  488: "not-acceptable",
  489: "policy-violation",
  491: "unexpected-request",
  493: "bad-request",
  500: "internal-server-error",
  501: "feature-not-implemented",
  502: "remote-server-not-found",
  503: "service-unavailable",
  504: "remote-server-timeout",
  505: "not-acceptable",
  513: "policy-violation",
  600: "service-unavailable",
  603: "service-unavailable",
  604: "item-not-found",
  606: "not-acceptable",
};

/** RFC 7247 section 7: any other code maps by its class. */
const BY_CLASS: Readonly<Record<3 | 4 | 5 | 6, XmppErrorCondition>> = {
  3: "redirect",
  4: "bad-request",
  5: "internal-server-error",
  6: "service-unavailable",
};

/** True if `condition` is one of the 22 RFC 6120 conditions. */
export function isXmppErrorCondition(condition: string): condition is XmppErrorCondition {
  return Object.hasOwn(XMPP_ERROR_TYPES, condition);
}

/** The reason phrase of a status; for codes not listed, the generic phrase of its class. */
export function sipReasonPhrase(status: number): string {
  const generic: Record<number, string> = {
    3: "Redirection",
    4: "Request Failure",
    5: "Server Failure",
    6: "Global Failure",
  };
  return SIP_REASON_PHRASES[status] ?? generic[Math.floor(status / 100)] ?? "Unknown";
}

/**
 * A SIP final non-2xx response code (300-699) to an XMPP condition and type. Other values throw a
 * `RangeError`: a 1xx or 2xx is not an error.
 */
export function sipStatusToXmpp(status: number): { condition: XmppErrorCondition; type: XmppErrorType } {
  if (!Number.isInteger(status) || status < 300 || status > 699) {
    throw new RangeError(`Not a SIP error status: ${status}`);
  }
  const condition = SIP_TO_XMPP[status] ?? BY_CLASS[Math.floor(status / 100) as 3 | 4 | 5 | 6];
  return { condition, type: XMPP_ERROR_TYPES[condition] };
}

/** An XMPP condition to a SIP status and its reason phrase; an unknown condition is `undefined-condition`. */
export function xmppConditionToSip(condition: string): { status: number; reason: string } {
  const row = XMPP_TO_SIP[isXmppErrorCondition(condition) ? condition : "undefined-condition"];
  return { status: row.status, reason: sipReasonPhrase(row.status) };
}
