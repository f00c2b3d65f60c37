/**
 * The XEP-0167 <description xmlns='urn:xmpp:jingle:apps:rtp:1'/> of a Jingle content <-> the RTP part of
 * the model, with the extensions WebRTC clients put inside it: XEP-0293 <rtcp-fb/>, XEP-0294
 * <rtp-hdrext/>, XEP-0339 <source/> and <ssrc-group/>.
 *
 * Every value is checked here so that the SDP written from the model cannot be bent: a payload id is an
 * integer from 0 to 127, a codec name is an SDP token, an fmtp parameter holds no `;`, nothing holds a
 * line break. Not carried (dropped on read, never written): <bandwidth/>, XEP-0167 <encryption/> (SDES
 * over XMPP: no current client sends it, calls use XEP-0320 DTLS), the non-standard msid <stream/>
 * element, XEP-0293 <rtcp-fb-trr-int/> and XEP-0294 <extmap-allow-mixed/>.
 */
import xml, { type Element } from "@xmpp/xml";
import { staticPayload } from "./codecs.js";
import { JingleError } from "./jingle-error.js";
import type { HeaderExtension, PayloadType, RtpDescription, Senders, Source } from "./jingle-model.js";
import { isByteString, isField, isFmtpName, isFmtpValue, isToken, parseUint } from "./media-checks.js";
import { NS_HDREXT, NS_JINGLE_RTP, NS_RTCP_FB, NS_SSMA } from "./namespaces.js";

const MAX_U32 = 2 ** 32 - 1;
type Feedback = { type: string; subtype?: string };

export function parseRtpDescription(el: Element): RtpDescription {
  const media = el.attrs.media;
  // XEP-0167 section 4: the 'media' attribute is REQUIRED.
  if (media === undefined || !isToken(media)) throw new JingleError("<description/> without a valid 'media'");
  const d: RtpDescription = {
    media,
    payloads: el.getChildren("payload-type", NS_JINGLE_RTP).map(parsePayloadType),
    rtcpMux: el.getChild("rtcp-mux", NS_JINGLE_RTP) !== undefined,
    rtcpFb: parseFeedback(el),
    rtcpReducedSize: el.getChild("rtcp-reduced-size", NS_JINGLE_RTP) !== undefined,
    hdrexts: el.getChildren("rtp-hdrext", NS_HDREXT).map(parseHdrext),
    sources: el.getChildren("source", NS_SSMA).map(parseSource),
    ssrcGroups: el.getChildren("ssrc-group", NS_SSMA).map((g) => ({
      semantics: token(g.attrs.semantics, "<ssrc-group/> 'semantics'"),
      ssrcs: g.getChildren("source", NS_SSMA).map((s) => ssrc(s.attrs.ssrc)),
    })),
  };
  if (el.attrs.ssrc !== undefined) d.ssrc = ssrc(el.attrs.ssrc);
  return d;
}

function parsePayloadType(el: Element): PayloadType {
  const id = parseUint(el.attrs.id, 0, 127);
  // XEP-0167 section 4: id is an unsignedByte, REQUIRED; RTP payload types are 7 bits (RFC 3550 5.1).
  if (id === undefined) throw new JingleError(`<payload-type/> id '${el.attrs.id ?? ""}' is not 0-127`);
  const known = staticPayload(id);
  const name = el.attrs.name ?? known?.name;
  // XEP-0167 section 4: name is "RECOMMENDED for static payload types, REQUIRED for dynamic payload types".
  if (name === undefined || !isToken(name))
    throw new JingleError(`<payload-type id='${id}'/> without a valid name`);
  const clockrate =
    el.attrs.clockrate === undefined ? known?.clockrate : parseUint(el.attrs.clockrate, 1, MAX_U32);
  if (clockrate === undefined) throw new JingleError(`<payload-type id='${id}'/> without a valid clockrate`);
  // XEP-0167 section 4: channels, "if omitted, it MUST be assumed to contain one channel".
  const channels = el.attrs.channels === undefined ? 1 : parseUint(el.attrs.channels, 1, 255);
  if (channels === undefined) throw new JingleError(`<payload-type id='${id}'/> channels is not 1-255`);
  const p: PayloadType = {
    id,
    name,
    clockrate,
    channels,
    parameters: el.getChildren("parameter", NS_JINGLE_RTP).map((x) => {
      const pname = x.attrs.name ?? "";
      const value = x.attrs.value ?? "";
      if (!isFmtpName(pname) || !isFmtpValue(value))
        throw new JingleError(`<payload-type id='${id}'/> has a <parameter/> SDP cannot carry`);
      return { name: pname, value };
    }),
    rtcpFb: parseFeedback(el),
  };
  for (const key of ["ptime", "maxptime"] as const) {
    const v = el.attrs[key];
    if (v === undefined) continue;
    const n = parseUint(v, 1, 100000);
    if (n === undefined) throw new JingleError(`<payload-type id='${id}'/> ${key} is not a number`);
    p[key] = n;
  }
  return p;
}

function parseFeedback(el: Element): Feedback[] {
  return el.getChildren("rtcp-fb", NS_RTCP_FB).map((f) => {
    const fb: Feedback = { type: token(f.attrs.type, "<rtcp-fb/> 'type'") };
    if (f.attrs.subtype !== undefined) fb.subtype = token(f.attrs.subtype, "<rtcp-fb/> 'subtype'");
    return fb;
  });
}

function parseHdrext(el: Element): HeaderExtension {
  // RFC 8285: ids 1-14 (one-byte header) and 1-255 (two-byte header); RFC 5285's 4096-4351 are refused.
  const id = parseUint(el.attrs.id, 1, 255);
  const uri = el.attrs.uri;
  if (id === undefined || uri === undefined || !isField(uri))
    throw new JingleError("<rtp-hdrext/> needs id 1-255 and a uri");
  const h: HeaderExtension = { id, uri };
  if (el.attrs.senders !== undefined) h.senders = parseSenders(el.attrs.senders, "<rtp-hdrext/>");
  return h;
}

function parseSource(el: Element): Source {
  return {
    ssrc: ssrc(el.attrs.ssrc),
    parameters: el.getChildren("parameter", NS_SSMA).map((p) => {
      const value = p.attrs.value ?? "";
      if (value !== "" && !isByteString(value))
        throw new JingleError("<source/> <parameter/> value with a line break");
      return { name: token(p.attrs.name, "<source/> <parameter/> 'name'"), value };
    }),
  };
}

/** XEP-0166, <content/> 'senders': "both" (the default), "initiator", "responder" or "none". */
export function parseSenders(value: string | undefined, where: string): Senders {
  if (value === undefined) return "both";
  if (value === "both" || value === "initiator" || value === "responder" || value === "none") return value;
  throw new JingleError(`${where} 'senders' is not both, initiator, responder or none`);
}

function token(value: string | undefined, what: string): string {
  if (value === undefined || !isToken(value)) throw new JingleError(`${what} missing or not a token`);
  return value;
}

function ssrc(value: string | undefined): string {
  // RFC 3550 section 5.1: the SSRC is a 32-bit number.
  if (parseUint(value, 0, MAX_U32) === undefined)
    throw new JingleError(`ssrc '${value ?? ""}' is not a 32-bit number`);
  return String(Number(value));
}

export function rtpDescriptionElement(d: RtpDescription): Element {
  return xml(
    "description",
    { xmlns: NS_JINGLE_RTP, media: d.media, ssrc: d.ssrc },
    d.rtcpMux ? xml("rtcp-mux") : null,
    d.rtcpReducedSize ? xml("rtcp-reduced-size") : null,
    ...d.payloads.map(payloadTypeElement),
    ...d.rtcpFb.map(feedbackElement),
    ...d.hdrexts.map((h) =>
      xml("rtp-hdrext", { xmlns: NS_HDREXT, id: String(h.id), uri: h.uri, senders: h.senders }),
    ),
    ...d.sources.map((s) =>
      xml(
        "source",
        { xmlns: NS_SSMA, ssrc: s.ssrc },
        ...s.parameters.map((p) =>
          xml("parameter", { name: p.name, value: p.value === "" ? undefined : p.value }),
        ),
      ),
    ),
    ...d.ssrcGroups.map((g) =>
      xml(
        "ssrc-group",
        { xmlns: NS_SSMA, semantics: g.semantics },
        ...g.ssrcs.map((s) => xml("source", { ssrc: s })),
      ),
    ),
  );
}

function payloadTypeElement(p: PayloadType): Element {
  const attrs: Record<string, string | undefined> = {
    id: String(p.id),
    name: p.name,
    clockrate: String(p.clockrate),
    channels: String(p.channels),
    ptime: p.ptime === undefined ? undefined : String(p.ptime),
    maxptime: p.maxptime === undefined ? undefined : String(p.maxptime),
  };
  return xml(
    "payload-type",
    attrs,
    ...p.parameters.map((x) =>
      xml("parameter", { name: x.name, value: x.value === "" ? undefined : x.value }),
    ),
    ...p.rtcpFb.map(feedbackElement),
  );
}

function feedbackElement(f: Feedback): Element {
  return xml("rtcp-fb", { xmlns: NS_RTCP_FB, type: f.type, subtype: f.subtype });
}
