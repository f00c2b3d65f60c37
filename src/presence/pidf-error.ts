/**
 * The error `parsePidf` throws for a body that is not a PIDF document it can read: not well-formed
 * XML (or a DOCTYPE, or too large), a root other than RFC 3863's <presence/>, or a document that breaks
 * one of RFC 3863's MUSTs the translation depends on (the entity, a tuple's id and status).
 *
 * It is a `SipBodyError` with status 400, so a SIP handler that already answers `SipBodyError`s (the IM
 * path does, `src/im/codec/sip-body-error.ts`) answers a malformed PUBLISH or NOTIFY body with
 * `400 Bad Request` without knowing about presence. `reason` is a stable kebab-case token for tests
 * and logs; `message` names the problem and never echoes more than a short excerpt of the body.
 */
import { SipBodyError, isSipBodyError } from "../im/codec/sip-body-error.js";

export type PidfErrorReason =
  | "malformed-xml"
  | "too-large"
  | "bad-encoding"
  | "not-pidf"
  | "presence-without-entity"
  | "tuple-without-id"
  | "tuple-without-status"
  | "empty-status";

export class PidfError extends SipBodyError {
  declare readonly reason: PidfErrorReason;

  constructor(reason: PidfErrorReason, message: string) {
    super({ status: 400, reason, message });
    this.name = "PidfError";
  }

  /** The same problem as `e` (a `SipBodyError` from the XML reader or the charset decoder), as a PidfError. */
  static from(e: unknown, reason: PidfErrorReason): PidfError {
    if (e instanceof PidfError) return e;
    if (isSipBodyError(e)) return new PidfError(reason, e.message);
    throw e;
  }
}

/** True when `e` is a {@link PidfError} (also across realms/bundles, by name and shape). */
export function isPidfError(e: unknown): e is PidfError {
  return e instanceof PidfError || (isSipBodyError(e) && e.name === "PidfError");
}
