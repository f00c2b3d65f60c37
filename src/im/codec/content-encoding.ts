/**
 * Undoes the SIP `Content-Encoding` of a MESSAGE body. liblinphone, for one, sends its IMDNs with
 * `Content-Encoding: deflate` (seen in BelledonneCommunications/linphone-android#854 and
 * linphone-iphone#783: "Content-Encoding: deflate / Content-Type: message/imdn+xml").
 *
 * RFC 3261 section 20.12: "If multiple encodings have been applied to an entity-body, the content
 * codings MUST be listed in the order in which they were applied." They are undone here in reverse.
 * Supported: `gzip` (`x-gzip`), `deflate` (zlib format, or raw deflate as some senders mean it) and
 * `identity`. Anything else is a `SipBodyError` 415 with the codings for `Accept-Encoding` (RFC 3261
 * section 21.4.13). A body that does not inflate is a 400.
 *
 * Decompression is synchronous and capped (`MAX_DECODED_BYTES`), so a small "deflate bomb" cannot make
 * the gateway allocate without bound; a body over the cap is a 400 `body-too-large`. This is pure
 * computation (node:zlib, no I/O).
 */
import { gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import { SipBodyError } from "./sip-body-error.js";

/** The codings {@link decodeContentEncoding} undoes, for an `Accept-Encoding` header. */
export const ACCEPTED_ENCODINGS: readonly string[] = ["gzip", "deflate", "identity"];

/**
 * The largest decoded body accepted. RFC 3428 keeps a MESSAGE under 1300 bytes unless the path is
 * congestion-controlled; 1 MiB leaves room for any real message and still bounds the damage.
 */
export const MAX_DECODED_BYTES = 1024 * 1024;

export function decodeContentEncoding(body: Uint8Array, contentEncoding: string | undefined): Uint8Array {
  if (contentEncoding === undefined || contentEncoding.trim() === "") return body;
  const codings = contentEncoding
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "");
  let out: Uint8Array = body;
  for (const coding of codings.reverse()) out = undo(out, coding);
  return out;
}

function undo(body: Uint8Array, coding: string): Uint8Array {
  const opts = { maxOutputLength: MAX_DECODED_BYTES };
  const inflate = (fn: () => Buffer): Uint8Array => {
    try {
      return fn();
    } catch (e) {
      const tooLarge = (e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE";
      throw SipBodyError.malformed(
        tooLarge ? "body-too-large" : "bad-content-encoding",
        tooLarge
          ? `body decodes to more than ${MAX_DECODED_BYTES} bytes`
          : `body is not valid ${coding} data`,
      );
    }
  };
  switch (coding) {
    case "identity":
      return body;
    case "gzip":
    case "x-gzip":
      return inflate(() => gunzipSync(body, opts));
    case "deflate":
      // RFC 9110 section 8.4.1.2 means the zlib format; some senders mean raw deflate. Try both.
      return inflate(() => {
        try {
          return inflateSync(body, opts);
        } catch (e) {
          if ((e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") throw e;
          return inflateRawSync(body, opts);
        }
      });
    default:
      throw new SipBodyError({
        status: 415,
        reason: "unsupported-content-encoding",
        message: `unsupported Content-Encoding ${JSON.stringify(coding)}`,
        acceptEncoding: ACCEPTED_ENCODINGS,
      });
  }
}
