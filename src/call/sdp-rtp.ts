/**
 * The RTP description of one content <-> the SDP attributes of its m= block: XEP-0167 section 6 (rtpmap,
 * fmtp, ptime), XEP-0293 (a=rtcp-fb, RFC 4585 section 4.2), XEP-0294 (a=extmap, RFC 8285 section 7),
 * XEP-0339 (a=ssrc and a=ssrc-group, RFC 5576 sections 4.1 and 4.2), a=rtcp-mux (RFC 5761 section 5.1.1)
 * and a=rtcp-rsize (RFC 5506). Direction, mid and transport lines are written elsewhere.
 *
 * a=ptime/maxptime are media-level in SDP but per payload in Jingle: writing takes the first payload that
 * has one; reading sets it on every payload. a=rtcp-fb `trr-int` (XEP-0293 <rtcp-fb-trr-int/>) is not
 * carried. A XEP-0339 <source/> without parameters is not written (RFC 5576 section 4.1 gives every
 * a=ssrc line an attribute); a bare `a=ssrc:<id>` is read as one.
 */
import { staticPayload } from "./codecs.js";
import type { Creator, HeaderExtension, PayloadType, RtpDescription, Source } from "./jingle-model.js";
import { isByteString, isField, isFmtpName, isFmtpValue, isToken, parseUint } from "./media-checks.js";
import { findAttribute, findAttributes, type SdpAttribute, type SdpMedia } from "./sdp.js";
import { directionFromSenders, isDirection, sendersFromDirection } from "./sdp-direction.js";
import { SdpError } from "./sdp-error.js";

type Feedback = { type: string; subtype?: string };

export function rtpAttributes(d: RtpDescription, author: Creator): SdpAttribute[] {
  const out: SdpAttribute[] = d.hdrexts.map((h) => ({
    name: "extmap",
    value: `${h.id}${h.senders === undefined ? "" : `/${directionFromSenders(h.senders, author)}`} ${h.uri}`,
  }));
  if (d.rtcpMux) out.push({ name: "rtcp-mux" });
  if (d.rtcpReducedSize) out.push({ name: "rtcp-rsize" });
  out.push(...feedback("*", d.rtcpFb));
  for (const p of d.payloads) {
    const channels = p.channels === 1 ? "" : `/${p.channels}`;
    out.push({ name: "rtpmap", value: `${p.id} ${p.name}/${p.clockrate}${channels}` });
    out.push(...feedback(String(p.id), p.rtcpFb));
    if (p.parameters.length > 0) {
      const params = p.parameters.map((x) => (x.value === "" ? x.name : `${x.name}=${x.value}`));
      out.push({ name: "fmtp", value: `${p.id} ${params.join(";")}` });
    }
  }
  for (const key of ["ptime", "maxptime"] as const) {
    const v = d.payloads.find((p) => p[key] !== undefined)?.[key];
    if (v !== undefined) out.push({ name: key, value: String(v) });
  }
  for (const g of d.ssrcGroups) out.push({ name: "ssrc-group", value: [g.semantics, ...g.ssrcs].join(" ") });
  for (const s of d.sources)
    for (const p of s.parameters)
      out.push({ name: "ssrc", value: `${s.ssrc} ${p.name}${p.value === "" ? "" : `:${p.value}`}` });
  return out;
}

function feedback(pt: string, list: readonly Feedback[]): SdpAttribute[] {
  return list.map((f) => ({
    name: "rtcp-fb",
    value: `${pt} ${f.type}${f.subtype === undefined ? "" : ` ${f.subtype}`}`,
  }));
}

/** The RTP description of an m= block whose proto is RTP (the formats are payload type numbers). */
export function rtpDescriptionFromSdp(m: SdpMedia, author: Creator): RtpDescription {
  const a = m.attributes;
  const ptime = optionalNumber(findAttribute(a, "ptime"), "a=ptime");
  const maxptime = optionalNumber(findAttribute(a, "maxptime"), "a=maxptime");
  const payloads = m.formats.map((f) => payloadFromSdp(Number(f), a));
  for (const p of payloads) {
    if (ptime !== undefined) p.ptime = ptime;
    if (maxptime !== undefined) p.maxptime = maxptime;
  }
  const d: RtpDescription = {
    media: m.media,
    payloads,
    rtcpMux: findAttribute(a, "rtcp-mux") !== undefined,
    rtcpFb: feedbackFromSdp(a, "*"),
    rtcpReducedSize: findAttribute(a, "rtcp-rsize") !== undefined,
    hdrexts: findAttributes(a, "extmap").map((v) => hdrextFromSdp(v, author)),
    sources: sourcesFromSdp(findAttributes(a, "ssrc")),
    ssrcGroups: findAttributes(a, "ssrc-group").map((v) => {
      const [semantics = "", ...ssrcs] = v.trim().split(/\s+/);
      if (!isToken(semantics) || !ssrcs.every(isSsrc)) throw new SdpError("malformed a=ssrc-group", v);
      return { semantics, ssrcs };
    }),
  };
  const first = d.sources[0];
  if (first) d.ssrc = first.ssrc;
  return d;
}

/** RFC 8866 section 6.6: `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`. */
function payloadFromSdp(id: number, a: readonly SdpAttribute[]): PayloadType {
  const rtpmap = findAttributes(a, "rtpmap").find((v) => v.startsWith(`${id} `));
  let name: string, clockrate: number, channels: number;
  if (rtpmap !== undefined) {
    const m = /^\d+ ([^/\s]+)\/(\d{1,10})(?:\/(\d{1,3}))?$/.exec(rtpmap.trim());
    const ch = m?.[3] === undefined ? 1 : parseUint(m[3], 1, 255);
    if (!m || !isToken(m[1]!) || ch === undefined) throw new SdpError("malformed a=rtpmap", rtpmap);
    [name, clockrate, channels] = [m[1]!, Number(m[2]), ch];
  } else {
    const known = staticPayload(id);
    if (!known) throw new SdpError(`dynamic payload type ${id} without a=rtpmap`);
    ({ name, clockrate, channels } = known);
  }
  return {
    id,
    name,
    clockrate,
    channels,
    parameters: fmtpFromSdp(id, a),
    rtcpFb: feedbackFromSdp(a, String(id)),
  };
}

/** RFC 8866 section 6.15: `a=fmtp:<format> <format specific parameters>`, here `name=value;...`. */
function fmtpFromSdp(id: number, a: readonly SdpAttribute[]): { name: string; value: string }[] {
  const fmtp = findAttributes(a, "fmtp").find((v) => v.startsWith(`${id} `));
  if (fmtp === undefined) return [];
  const params = fmtp
    .slice(String(id).length + 1)
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return params.map((p) => {
    const eq = p.indexOf("=");
    const name = eq < 0 ? p : p.slice(0, eq).trim();
    const value = eq < 0 ? "" : p.slice(eq + 1).trim();
    if (!isFmtpName(name) || !isFmtpValue(value)) throw new SdpError("malformed a=fmtp parameter", fmtp);
    return { name, value };
  });
}

/**
 * RFC 4585 section 4.2: `a=rtcp-fb:<pt or *> <type> [<subtype>]`. Not carried (XEP-0293 has no place for
 * them in <rtcp-fb type subtype/>): trr-int, and feedback with more than one parameter
 * (`ccm tmmbr smaxpr=120`).
 */
function feedbackFromSdp(a: readonly SdpAttribute[], pt: string): Feedback[] {
  return findAttributes(a, "rtcp-fb").flatMap((v) => {
    const [p, type = "", subtype, ...more] = v.trim().split(/\s+/);
    if (p !== pt || type === "trr-int" || more.length > 0) return [];
    if (!isToken(type) || (subtype !== undefined && !isToken(subtype)))
      throw new SdpError("malformed a=rtcp-fb", v);
    return [subtype === undefined ? { type } : { type, subtype }];
  });
}

/** RFC 8285 section 7: `a=extmap:<value>["/"<direction>] <URI> <extensionattributes>`. */
function hdrextFromSdp(v: string, author: Creator): HeaderExtension {
  const m = /^(\d{1,3})(?:\/(\w+))? (\S+)(?: .*)?$/.exec(v.trim());
  const id = parseUint(m?.[1], 1, 255);
  const dir = m?.[2];
  if (!m || id === undefined || !isField(m[3]!) || (dir !== undefined && !isDirection(dir)))
    throw new SdpError("malformed a=extmap", v);
  const h: HeaderExtension = { id, uri: m[3]! };
  if (dir !== undefined && isDirection(dir)) h.senders = sendersFromDirection(dir, author);
  return h;
}

/**
 * RFC 5576 section 4.1: `a=ssrc:<ssrc-id> <attribute>[:<value>]`, grouped by SSRC in order. A bare
 * `a=ssrc:<ssrc-id>` (PhonerLite sends one) is read as a source without parameters.
 */
function sourcesFromSdp(values: readonly string[]): Source[] {
  const sources: Source[] = [];
  for (const v of values) {
    const m = /^(\d{1,10})(?: ([^:\s]+)(?::(.*))?)?$/.exec(v.trim());
    const attr = m?.[2];
    if (
      !m ||
      !isSsrc(m[1]!) ||
      (attr !== undefined && !isToken(attr)) ||
      (m[3] !== undefined && m[3] !== "" && !isByteString(m[3]))
    )
      throw new SdpError("malformed a=ssrc", v);
    const ssrc = String(Number(m[1]));
    let s = sources.find((x) => x.ssrc === ssrc);
    if (!s) sources.push((s = { ssrc, parameters: [] }));
    if (attr !== undefined) s.parameters.push({ name: attr, value: m[3] ?? "" });
  }
  return sources;
}

function isSsrc(s: string): boolean {
  return parseUint(s, 0, 2 ** 32 - 1) !== undefined;
}

function optionalNumber(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = parseUint(v.trim(), 1, 100000);
  if (n === undefined) throw new SdpError(`${what} is not a whole number of milliseconds`, v);
  return n;
}
