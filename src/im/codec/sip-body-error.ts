/**
 * The one error type of the SIP body codecs (`src/im/codec/`) and of `sipToChatMessage`: a SIP MESSAGE
 * body the gateway cannot or will not turn into a chat message. It carries the final response the SIP
 * adapter sends, so the decision is made where the body is understood, not in the adapter:
 *
 * - `415 Unsupported Media Type` with the list to put in `Accept` (or `Accept-Encoding`). RFC 3261
 *   section 21.4.13: "The server MUST return a list of acceptable formats using the Accept,
 *   Accept-Encoding, or Accept-Language header field, depending on the specific problem with the
 *   content."
 * - `400 Bad Request` for a body that claims a supported type but cannot be parsed (malformed CPIM,
 *   XML that is not well-formed, a missing Content-Type on a non-empty body).
 *
 * `reason` is a short, stable, kebab-case token for tests and logs; `message` is for humans and names
 * the offending input (it never echoes more than a short excerpt of the body).
 */
export type SipBodyStatus = 400 | 415;

export interface SipBodyErrorInit {
  status: SipBodyStatus;
  reason: string;
  message: string;
  /** For 415: the media types to list in `Accept`. */
  accept?: readonly string[] | undefined;
  /** For 415 caused by a content coding: the codings to list in `Accept-Encoding`. */
  acceptEncoding?: readonly string[] | undefined;
}

export class SipBodyError extends Error {
  readonly status: SipBodyStatus;
  readonly reason: string;
  /** For a 415: the `Accept` list; `undefined` for a 400 or when the problem is the content coding. */
  readonly accept: readonly string[] | undefined;
  /** For a 415 caused by the content coding: the `Accept-Encoding` list. */
  readonly acceptEncoding: readonly string[] | undefined;

  constructor(init: SipBodyErrorInit) {
    super(init.message);
    this.name = "SipBodyError";
    this.status = init.status;
    this.reason = init.reason;
    this.accept = init.accept !== undefined && init.accept.length > 0 ? init.accept : undefined;
    this.acceptEncoding =
      init.acceptEncoding !== undefined && init.acceptEncoding.length > 0 ? init.acceptEncoding : undefined;
  }

  /** A 400 Bad Request for a body that cannot be parsed. */
  static malformed(reason: string, message: string): SipBodyError {
    return new SipBodyError({ status: 400, reason, message });
  }

  /** A 415; a codec may leave `accept` out and `sipToChatMessage` fills it in (`withAccept`). */
  static unsupported(reason: string, message: string, accept: readonly string[] = []): SipBodyError {
    return new SipBodyError({ status: 415, reason, message, accept });
  }

  /** The same error with `accept` set, when this is a 415 whose codec did not know the accepted types. */
  withAccept(accept: readonly string[]): SipBodyError {
    if (this.status !== 415 || this.accept !== undefined || this.acceptEncoding !== undefined) return this;
    return new SipBodyError({ status: 415, reason: this.reason, message: this.message, accept });
  }
}

/** True when `e` is a {@link SipBodyError} (also across realms/bundles, by name and shape). */
export function isSipBodyError(e: unknown): e is SipBodyError {
  return (
    e instanceof SipBodyError ||
    (e instanceof Error &&
      e.name === "SipBodyError" &&
      typeof (e as { status?: unknown }).status === "number")
  );
}
