/**
 * Codec questions about a session description: the RFC 3551 static payload types (for a Jingle
 * <payload-type/> or an SDP m= format without a name or rtpmap), and whether a call offers a codec
 * such as `telephone-event` (RFC 4733 DTMF) or `opus`.
 */
import type { JingleSessionDescription, PayloadType, RtpDescription } from "./jingle-model.js";

export interface StaticPayload {
  name: string;
  clockrate: number;
  channels: number;
}

/**
 * RFC 3551 section 6, tables 4 and 5: the statically assigned payload types. XEP-0167 section 6: "If the
 * payload type is static (payload-type IDs 0 through 95 inclusive), it MUST be mapped to an m= line"; a
 * static type needs no rtpmap, so its name and clock rate come from here.
 */
const STATIC: ReadonlyMap<number, StaticPayload> = new Map([
  [0, { name: "PCMU", clockrate: 8000, channels: 1 }],
  [3, { name: "GSM", clockrate: 8000, channels: 1 }],
  [4, { name: "G723", clockrate: 8000, channels: 1 }],
  [5, { name: "DVI4", clockrate: 8000, channels: 1 }],
  [6, { name: "DVI4", clockrate: 16000, channels: 1 }],
  [7, { name: "LPC", clockrate: 8000, channels: 1 }],
  [8, { name: "PCMA", clockrate: 8000, channels: 1 }],
  [9, { name: "G722", clockrate: 8000, channels: 1 }],
  [10, { name: "L16", clockrate: 44100, channels: 2 }],
  [11, { name: "L16", clockrate: 44100, channels: 1 }],
  [12, { name: "QCELP", clockrate: 8000, channels: 1 }],
  [13, { name: "CN", clockrate: 8000, channels: 1 }],
  [14, { name: "MPA", clockrate: 90000, channels: 1 }],
  [15, { name: "G728", clockrate: 8000, channels: 1 }],
  [16, { name: "DVI4", clockrate: 11025, channels: 1 }],
  [17, { name: "DVI4", clockrate: 22050, channels: 1 }],
  [18, { name: "G729", clockrate: 8000, channels: 1 }],
  [25, { name: "CelB", clockrate: 90000, channels: 1 }],
  [26, { name: "JPEG", clockrate: 90000, channels: 1 }],
  [28, { name: "nv", clockrate: 90000, channels: 1 }],
  [31, { name: "H261", clockrate: 90000, channels: 1 }],
  [32, { name: "MPV", clockrate: 90000, channels: 1 }],
  [33, { name: "MP2T", clockrate: 90000, channels: 1 }],
  [34, { name: "H263", clockrate: 90000, channels: 1 }],
]);

export function staticPayload(id: number): StaticPayload | undefined {
  return STATIC.get(id);
}

/** The payload types named `name` (case-insensitive: RFC 6838 section 4.2, "Both top-level type and subtype names are case-insensitive"). */
export function findPayloads(desc: JingleSessionDescription | RtpDescription, name: string): PayloadType[] {
  const wanted = name.toLowerCase();
  const descriptions =
    "contents" in desc ? desc.contents.flatMap((c) => (c.description ? [c.description] : [])) : [desc];
  return descriptions.flatMap((d) => d.payloads.filter((p) => p.name.toLowerCase() === wanted));
}

/** Whether any content of `desc` (or the description itself) offers codec `name`, e.g. "telephone-event". */
export function hasCodec(desc: JingleSessionDescription | RtpDescription, name: string): boolean {
  return findPayloads(desc, name).length > 0;
}
