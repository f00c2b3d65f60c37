/**
 * The few edits the call bridge makes to SDP it passes on, done on the parsed model of `sdp.ts` (never
 * on text lines): which codecs an offer has, the SDP for a SIP phone without WebRTC-only attributes,
 * a new direction for hold and unhold, and the direction a re-INVITE offers.
 */
import { staticPayload } from "./codecs.js";
import { parseSdp, writeSdp, type SdpAttribute } from "./sdp.js";
import { isDirection, type Direction } from "./sdp-direction.js";

/** Codec names (rtpmap encoding names, or RFC 3551 static names) offered in the audio streams. */
export function sdpCodecNames(sdp: string): string[] {
  return parseSdp(sdp)
    .media.filter((m) => m.media === "audio")
    .flatMap((m) =>
      m.formats.map((pt) => {
        const rtpmap = m.attributes.find((a) => a.name === "rtpmap" && a.value?.startsWith(`${pt} `));
        return rtpmap?.value?.split(" ")[1]?.split("/")[0] ?? staticPayload(Number(pt))?.name ?? "";
      }),
    )
    .filter((n) => n !== "");
}

/**
 * The WebRTC-only attributes rtpengine passes through from a browser's offer, which a SIP phone has no
 * use for (and some old phones choke on): header extensions, msid/ssrc signalling, BUNDLE mids,
 * reduced-size RTCP, RTCP XR and feedback, trickle ICE options.
 */
const WEBRTC_ONLY = new Set([
  "extmap",
  "extmap-allow-mixed",
  "msid",
  "msid-semantic",
  "ssrc",
  "ssrc-group",
  "mid",
  "group",
  "rtcp-rsize",
  "rtcp-xr",
  "rtcp-fb",
  "ice-options",
  "end-of-candidates",
]);

export function sipLegSdp(text: string): string {
  const sdp = parseSdp(text);
  const keep = (as: SdpAttribute[]) => as.filter((a) => !WEBRTC_ONLY.has(a.name));
  return writeSdp({
    ...sdp,
    attributes: keep(sdp.attributes),
    media: sdp.media.map((m) => ({ ...m, attributes: keep(m.attributes) })),
  });
}

/**
 * `text` with every media stream's direction set to `direction` (session-level ones dropped) and the o=
 * version set to `version` (RFC 3264 section 8: "the version in the origin field MUST increment by one").
 */
export function withDirection(text: string, direction: Direction, version: number): string {
  const sdp = parseSdp(text);
  const strip = (as: SdpAttribute[]) => as.filter((a) => !isDirection(a.name));
  return writeSdp({
    ...sdp,
    origin: { ...sdp.origin, sessionVersion: String(version) },
    attributes: strip(sdp.attributes),
    media: sdp.media.map((m) => ({ ...m, attributes: [...strip(m.attributes), { name: direction }] })),
  });
}

/**
 * What a re-INVITE offer means for the first audio stream: its direction (media level first, then
 * session level, RFC 8866 section 6.7: sendrecv by default) and whether it is a hold (sendonly,
 * inactive, or the RFC 2543 style c=0.0.0.0 that RFC 3264 section 8.4 still asks answerers to accept).
 */
export function offeredDirection(text: string): { direction: Direction; hold: boolean } {
  const sdp = parseSdp(text);
  const m = sdp.media.find((x) => x.media === "audio") ?? sdp.media[0];
  const named = [...(m?.attributes ?? []), ...sdp.attributes].find((a) => isDirection(a.name))?.name;
  const direction: Direction = named && isDirection(named) ? named : "sendrecv";
  const address = (m?.connection ?? sdp.connection)?.address;
  return { direction, hold: direction === "sendonly" || direction === "inactive" || address === "0.0.0.0" };
}
