/**
 * The SDP offer of an INVITE from a SIP peer, checked and re-serialized before rtpengine sees it
 * (`sanitizeSdp` keeps only the lines the gateway understands, each validated). An offer the gateway
 * cannot bridge is refused with 488 Not Acceptable Here (RFC 3261 section 21.4.26), with the reason.
 */
import { parseSdp, isRtpProto } from "./sdp.js";
import { sanitizeSdp } from "./sdp-sanitize.js";
import { isSdpError } from "./sdp-error.js";

export type SipOffer = { ok: true; sdp: string } | { ok: false; problem: string };

export function prepareSipOffer(body: string): SipOffer {
  // RFC 3261 section 13.2.1 allows an INVITE without an offer (the answer then comes in the ACK);
  // the gateway needs the caller's codecs before it can ring the XMPP side, so that is refused.
  if (body.trim() === "") return { ok: false, problem: "an INVITE without an SDP offer is not supported" };
  try {
    const sdp = sanitizeSdp(body);
    const audio = parseSdp(sdp).media.find((m) => m.media === "audio" && m.port !== 0 && isRtpProto(m.proto));
    if (!audio) return { ok: false, problem: "the offer has no usable audio stream" };
    if (audio.formats.length === 0) return { ok: false, problem: "the audio stream offers no codec" };
    return { ok: true, sdp };
  } catch (e) {
    if (isSdpError(e)) return { ok: false, problem: `malformed SDP: ${e.message}` };
    throw e;
  }
}
