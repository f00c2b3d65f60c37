/**
 * The neutral model of a Jingle RTP session description (XEP-0166 contents with XEP-0167 RTP
 * descriptions and XEP-0176 ICE-UDP / XEP-0177 RAW-UDP transports, XEP-0320 DTLS fingerprints),
 * which both `jingle.ts` (XML <-> model) and `jingle-sdp.ts` (model <-> SDP) speak. Translators go
 * protocol -> model -> protocol, never protocol -> protocol.
 *
 * Pure data: no XML element and no SDP text survives in here, so whatever a client sent can only
 * reach rtpengine through the fields below (validated when parsed).
 */

/** XEP-0166 section 7.3: who sends media in a content. */
export type Senders = "both" | "initiator" | "responder" | "none";

export type Creator = "initiator" | "responder";

/** XEP-0167 section 5: a <payload-type/>. */
export interface PayloadType {
  id: number;
  name: string;
  clockrate: number;
  /** 1 when absent (XEP-0167: "channels ... defaults to 1"). */
  channels: number;
  ptime?: number;
  maxptime?: number;
  /** <parameter name value/> children, in order: the fmtp line. */
  parameters: { name: string; value: string }[];
  /** XEP-0293 <rtcp-fb/>. */
  rtcpFb: { type: string; subtype?: string }[];
}

/** XEP-0294 <rtp-hdrext/>. */
export interface HeaderExtension {
  id: number;
  uri: string;
  senders?: Senders;
}

/** XEP-0339 <source/>: an SSRC and its parameters (cname, msid). */
export interface Source {
  ssrc: string;
  parameters: { name: string; value: string }[];
}

export interface RtpDescription {
  media: "audio" | "video" | string;
  ssrc?: string;
  payloads: PayloadType[];
  /** XEP-0167 section 5 <rtcp-mux/>. */
  rtcpMux: boolean;
  /** XEP-0293 <rtcp-fb/> children of the description itself (apply to all payloads, "*"). */
  rtcpFb: { type: string; subtype?: string }[];
  rtcpReducedSize: boolean;
  hdrexts: HeaderExtension[];
  sources: Source[];
  /** XEP-0339 <ssrc-group/>. */
  ssrcGroups: { semantics: string; ssrcs: string[] }[];
}

/** XEP-0320: the DTLS fingerprint inside a transport. */
export interface Fingerprint {
  hash: string;
  /** RFC 4145 setup role: actpass | active | passive | holdconn. */
  setup: string;
  value: string;
}

/** XEP-0176 section 5.3: one ICE candidate. */
export interface IceCandidate {
  foundation: string;
  component: number;
  protocol: string;
  priority: number;
  ip: string;
  port: number;
  type: "host" | "srflx" | "prflx" | "relay";
  generation: number;
  id?: string;
  network?: number;
  relAddr?: string;
  relPort?: number;
}

export interface IceUdpTransport {
  kind: "ice-udp";
  ufrag?: string;
  pwd?: string;
  candidates: IceCandidate[];
  fingerprint?: Fingerprint;
  /** The non-standard <gathering-complete/> some WebRTC clients send (end of candidates). */
  gatheringComplete?: boolean;
}

/** XEP-0177 section 5: a RAW-UDP candidate (component 1 RTP, 2 RTCP). */
export interface RawUdpCandidate {
  id: string;
  component: number;
  ip: string;
  port: number;
  generation: number;
}

export interface RawUdpTransport {
  kind: "raw-udp";
  candidates: RawUdpCandidate[];
}

export type Transport = IceUdpTransport | RawUdpTransport;

export interface JingleContent {
  name: string;
  creator: Creator;
  senders: Senders;
  description?: RtpDescription;
  transport?: Transport;
}

/** XEP-0338 <group/>: BUNDLE and friends. */
export interface ContentGroup {
  semantics: string;
  contents: string[];
}

/** The media part of a Jingle session: what maps to and from one SDP. */
export interface JingleSessionDescription {
  contents: JingleContent[];
  groups: ContentGroup[];
}
