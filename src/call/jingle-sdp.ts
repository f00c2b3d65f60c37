/**
 * The session description model <-> SDP text, for rtpengine (ng protocol, which takes and returns SDP).
 * XEP-0167 section 6 maps Jingle RTP to SDP; XEP-0176, XEP-0320, XEP-0338 (a=group), XEP-0339
 * (a=ssrc) and XEP-0293/0294 complete it.
 *
 * Whitelist by construction: SDP is written only from the model's fields, which were validated when
 * parsed (from Jingle XML or from SDP), so re-serialising through the model sanitises whatever a client
 * sent. Session-level lines WebRTC writes that Jingle does not carry (a=msid-semantic,
 * a=extmap-allow-mixed, a=msid, a=rtcp-xr) are not written.
 *
 * Contents: each content is one m= block, in order, its name the a=mid (RFC 5888 section 4). Only audio
 * is translated: a content that is not RTP audio with payload types and a transport is written as an m=
 * block with port 0 and only a=mid (RFC 3264 section 5.1: "A port number of zero in the offer indicates
 * that the stream is offered but MUST NOT be used"; section 6: "To reject an offered stream, the port
 * number in the corresponding stream in the answer MUST be set to zero"), so the m= count and order
 * still match the Jingle contents, and it is left out of groups. Read back, an m= block with
 * port 0 or a non-RTP protocol is left out of the contents (and groups): the call bridge sees which
 * content names are missing and answers them with content-reject / content-remove.
 *
 * Direction: Jingle `senders` names parties, SDP speaks for its author, so both functions take `role`,
 * the Jingle role of the party whose SDP it is (default "initiator": the SDP of a session-initiate).
 */
import type { Creator, JingleContent, JingleSessionDescription } from "./jingle-model.js";
import {
  findAttribute,
  isRtpProto,
  parseSdp,
  writeSdp,
  type Sdp,
  type SdpAttribute,
  type SdpMedia,
} from "./sdp.js";
import { directionFromSenders, isDirection, sendersFromDirection } from "./sdp-direction.js";
import { SdpError } from "./sdp-error.js";
import { rtpAttributes, rtpDescriptionFromSdp } from "./sdp-rtp.js";
import { transportFromSdp, transportLines } from "./sdp-transport.js";
import { isToken } from "./media-checks.js";

export interface SessionToSdpOptions {
  /** o= sess-id: digits, kept for the whole call (RFC 8866 section 5.2). */
  sessionId: string;
  /** o= sess-version: incremented on each new offer or answer of the call. */
  sessionVersion: number;
  /** o= unicast-address; default 127.0.0.1 (rtpengine ignores it). */
  originAddress?: string;
  /** The Jingle role of the party the SDP speaks for; default "initiator". */
  role?: Creator;
}

export interface SdpToSessionOptions {
  /** The Jingle role of the SDP's author; default "initiator". */
  role?: Creator;
  /** The creator of the contents; default "initiator" (the contents of a session-initiate). */
  creator?: Creator;
  /**
   * The offer this SDP answers. RFC 3264 section 6: "The answer MUST contain exactly the same number of
   * "m=" lines as the offer", in the same order; so the m= block at index i answers the offer's content
   * i and takes its name and creator from it (an answerer that rewrote or dropped a=mid cannot rename a
   * content). An answer with a different m= count is an SdpError.
   */
  like?: JingleSessionDescription;
}

export function sessionToSdp(desc: JingleSessionDescription, opts: SessionToSdpOptions): string {
  const role = opts.role ?? "initiator";
  const address = opts.originAddress ?? "127.0.0.1";
  const media = desc.contents.map((c) => contentMedia(c, role));
  const accepted = new Set(desc.contents.filter((_, i) => media[i]!.port !== 0).map((c) => c.name));
  const sdp: Sdp = {
    origin: {
      username: "-",
      sessionId: opts.sessionId,
      sessionVersion: String(opts.sessionVersion),
      addrType: address.includes(":") ? "IP6" : "IP4",
      address,
    },
    sessionName: "-",
    bandwidths: [],
    timing: ["0 0"],
    attributes: desc.groups.flatMap((g) => {
      const names = g.contents.filter((n) => accepted.has(n));
      return names.length > 0 ? [{ name: "group", value: [g.semantics, ...names].join(" ") }] : [];
    }),
    media,
  };
  return writeSdp(sdp);
}

function contentMedia(c: JingleContent, role: Creator): SdpMedia {
  const d = c.description;
  const mid: SdpAttribute = { name: "mid", value: c.name };
  if (d === undefined || c.transport === undefined || !isTranslated(c)) {
    const formats = d && d.payloads.length > 0 ? d.payloads.map((p) => String(p.id)) : ["0"];
    return {
      media: d?.media ?? "audio",
      port: 0,
      proto: "RTP/AVP",
      formats,
      bandwidths: [],
      attributes: [mid],
    };
  }
  const t = transportLines(c.transport);
  const feedback = d.rtcpFb.length > 0 || d.payloads.some((p) => p.rtcpFb.length > 0);
  const secure = c.transport.kind === "ice-udp" && c.transport.fingerprint !== undefined;
  return {
    media: "audio",
    port: t.port,
    proto: secure ? "UDP/TLS/RTP/SAVPF" : feedback ? "RTP/AVPF" : "RTP/AVP",
    formats: d.payloads.map((p) => String(p.id)),
    connection: t.connection,
    bandwidths: [],
    attributes: [
      ...t.attributes,
      mid,
      { name: directionFromSenders(c.senders, role) },
      ...rtpAttributes(d, role),
      ...t.trailer,
    ],
  };
}

export function sdpToSession(text: string, opts: SdpToSessionOptions = {}): JingleSessionDescription {
  const role = opts.role ?? "initiator";
  const sdp = parseSdp(text);
  const offered = opts.like?.contents;
  if (offered && offered.length !== sdp.media.length)
    throw new SdpError(`answer has ${sdp.media.length} m= lines for ${offered.length} offered contents`);
  const contents: JingleContent[] = [];
  const seen = new Set<string>();
  const sessionDirection = direction(sdp.attributes) ?? "sendrecv";
  sdp.media.forEach((m, index) => {
    const name = offered?.[index]?.name ?? findAttribute(m.attributes, "mid")?.trim() ?? String(index);
    if (!isToken(name)) throw new SdpError("malformed a=mid", name);
    if (seen.has(name)) throw new SdpError("two m= blocks with the same a=mid", name);
    seen.add(name);
    if (m.port === 0 || !isRtpProto(m.proto)) return;
    const content: JingleContent = {
      name,
      creator: offered?.[index]?.creator ?? opts.creator ?? "initiator",
      senders: sendersFromDirection(direction(m.attributes) ?? sessionDirection, role),
      description: rtpDescriptionFromSdp(m, role),
    };
    const transport = transportFromSdp(m, sdp, role, name);
    if (transport) content.transport = transport;
    contents.push(content);
  });
  return { contents, groups: groupsFromSdp(sdp, contents, opts.like) };
}

/** XEP-0338: a=group:<semantics> <mid>... -> <group/>, keeping only contents that were kept. */
function groupsFromSdp(sdp: Sdp, contents: readonly JingleContent[], like?: JingleSessionDescription) {
  // With `like`, a mid is mapped to the offered name of the m= block that carries it.
  const byMid = new Map<string, string>();
  sdp.media.forEach((m, i) => {
    const mid = findAttribute(m.attributes, "mid")?.trim();
    const named = like?.contents[i]?.name;
    if (mid !== undefined && named !== undefined) byMid.set(mid, named);
  });
  const names = new Set(contents.map((c) => c.name));
  return sdp.attributes.flatMap((a) => {
    if (a.name !== "group") return [];
    const [semantics = "", ...mids] = (a.value ?? "").trim().split(/\s+/);
    if (!isToken(semantics) || !mids.every(isToken)) throw new SdpError("malformed a=group", a.value ?? "");
    const kept = mids.map((n) => byMid.get(n) ?? n).filter((n) => names.has(n));
    return kept.length > 0 ? [{ semantics, contents: kept }] : [];
  });
}

/** Whether `desc` has a content sessionToSdp translates: RTP audio with payload types and a transport. */
export function hasAudio(desc: JingleSessionDescription): boolean {
  return desc.contents.some(isTranslated);
}

function isTranslated(c: JingleContent): boolean {
  return c.description?.media === "audio" && c.description.payloads.length > 0 && c.transport !== undefined;
}

/** RFC 8866 sections 6.7.1-6.7.4: the last direction attribute of a list, if any. */
function direction(attributes: readonly SdpAttribute[]) {
  return attributes
    .map((a) => a.name)
    .filter(isDirection)
    .pop();
}
