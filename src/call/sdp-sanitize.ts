/**
 * `sanitizeSdp`: the SDP a SIP peer sent, re-serialised through the SDP model with only the lines the
 * gateway understands, each checked for shape, so nothing a peer wrote reaches rtpengine unchecked.
 *
 * Kept: v= o= s= c= t= m=, b=AS and b=TIAS, and these attributes (anything else is dropped):
 *   session level: group, ice-ufrag, ice-pwd, ice-options, ice-lite, fingerprint, setup, and the
 *     direction attributes;
 *   media level: rtpmap, fmtp, ptime, maxptime, rtcp, rtcp-mux, rtcp-rsize, rtcp-fb, extmap, ssrc,
 *     ssrc-group, mid, the direction attributes, ice-ufrag, ice-pwd, ice-options, candidate,
 *     end-of-candidates, fingerprint, setup, and crypto.
 * a=crypto (SDES-SRTP, RFC 4568) is kept: SIP phones use it and rtpengine terminates it; its shape is
 * checked (tag, suite, `inline:` keys). ice-lite is kept because dropping it would change who controls
 * ICE. A kept attribute that is malformed is an SdpError (the call is refused with a 488), not silently
 * dropped, since dropping e.g. an rtpmap would change what the peer meant.
 *
 * An m= block whose protocol is not RTP (T.38 `udptl`, BFCP, MSRP...) is kept, with port 0 and only its
 * a=mid: the gateway bridges RTP only, and the m= count must stay (RFC 3264 section 6).
 */
import {
  isByteString,
  isFingerprintValue,
  isIceString,
  isSetupRole,
  isToken,
  parseUint,
} from "./media-checks.js";
import { isRtpProto, parseSdp, writeSdp, type SdpAttribute, type SdpMedia } from "./sdp.js";
import { parseCandidate } from "./sdp-candidate.js";
import { SdpError } from "./sdp-error.js";
import { parseRtcp } from "./sdp-transport.js";

type Rule = (value: string | undefined, media: SdpMedia | undefined) => boolean;

const flag: Rule = (v) => v === undefined;
const tokens: Rule = (v) => v !== undefined && v.trim().split(/\s+/).every(isToken);
const ice: Rule = (v) => v !== undefined && isIceString(v.trim());
const number: Rule = (v) => v !== undefined && /^\d{1,6}(\.\d{1,3})?$/.test(v.trim());
const ssrcId = (s: string | undefined) => parseUint(s, 0, 2 ** 32 - 1) !== undefined;

/** `<pt> <rest>` with pt one of the m= formats (or `*` where `star` allows it, as rtcp-fb does). */
function forFormat(v: string | undefined, m: SdpMedia | undefined, rest: RegExp, star = false): boolean {
  const x = v === undefined ? undefined : /^(\d{1,3}|\*) (.+)$/.exec(v.trim());
  if (!x || !rest.test(x[2]!)) return false;
  return x[1] === "*" ? star : (m?.formats.includes(String(Number(x[1]))) ?? false);
}

const SESSION: Record<string, Rule> = {
  group: (v) => v !== undefined && tokens(v, undefined) && v.trim().includes(" "),
  "ice-ufrag": ice,
  "ice-pwd": ice,
  "ice-options": tokens,
  "ice-lite": flag,
  // RFC 8122 section 5: `fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint`.
  fingerprint: (v) => {
    const [hash = "", value = "", ...more] = (v ?? "").trim().split(/\s+/);
    return isToken(hash) && isFingerprintValue(value) && more.length === 0;
  },
  setup: (v) => v !== undefined && isSetupRole(v.trim()),
  sendrecv: flag,
  sendonly: flag,
  recvonly: flag,
  inactive: flag,
};

const MEDIA: Record<string, Rule> = {
  ...SESSION,
  group: () => false,
  "ice-lite": () => false,
  // RFC 8866 section 6.6: `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`.
  rtpmap: (v, m) => forFormat(v, m, /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+\/\d{1,10}(\/\d{1,3})?$/),
  fmtp: (v, m) => forFormat(v, m, /^.+$/) && isByteString(v ?? ""),
  ptime: number,
  maxptime: number,
  rtcp: (v) => ok(() => parseRtcp(v ?? "", "0.0.0.0")),
  "rtcp-mux": flag,
  "rtcp-rsize": flag,
  // RFC 4585 section 4.2: `a=rtcp-fb:<pt or *> <type> [<parameters>]`.
  "rtcp-fb": (v, m) => forFormat(v, m, /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+( [^\s]+)*$/, true),
  // RFC 8285 section 7: `a=extmap:<value>["/"<direction>] <URI> <extensionattributes>`.
  extmap: (v) => /^\d{1,4}(\/(sendrecv|sendonly|recvonly|inactive))? \S+( \S+)*$/.test(v?.trim() ?? ""),
  // RFC 5576 sections 4.1 and 4.2 (a bare `a=ssrc:<id>`, as PhonerLite sends, is accepted).
  ssrc: (v) => {
    const x = /^(\d{1,10})( [A-Za-z0-9!#$%&'*+\-.^_`{|}~]+(:.*)?)?$/.exec(v?.trim() ?? "");
    return x !== null && ssrcId(x[1]) && isByteString(v ?? "");
  },
  "ssrc-group": (v) => {
    const [semantics = "", ...ids] = (v ?? "").trim().split(/\s+/);
    return isToken(semantics) && ids.length > 0 && ids.every(ssrcId);
  },
  mid: (v) => v !== undefined && isToken(v.trim()),
  candidate: (v) => ok(() => parseCandidate(v ?? "")),
  "end-of-candidates": flag,
  // RFC 4568 section 9.1: tag SP crypto-suite SP key-params *(";" key-param) [SP session-params].
  crypto: (v) =>
    /^\d{1,9} [A-Za-z0-9_]+ inline:[A-Za-z0-9+/=]+(\|[0-9^:]+){0,2}(;inline:[A-Za-z0-9+/=]+(\|[0-9^:]+){0,2})*( [\x21-\x7e]+)*$/.test(
      v?.trim() ?? "",
    ),
};

function ok(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

function keep(list: readonly SdpAttribute[], rules: Record<string, Rule>, m?: SdpMedia): SdpAttribute[] {
  return list.flatMap((a) => {
    const rule = Object.hasOwn(rules, a.name) ? rules[a.name] : undefined;
    if (rule === undefined) return [];
    if (!rule(a.value, m)) throw new SdpError(`malformed a=${a.name}`, `a=${a.name}:${a.value ?? ""}`);
    return [a.value === undefined ? { name: a.name } : { name: a.name, value: a.value.trim() }];
  });
}

const BANDWIDTHS = new Set(["AS", "TIAS"]);

export function sanitizeSdp(text: string): string {
  const sdp = parseSdp(text);
  const media = sdp.media.map((m): SdpMedia => {
    if (!isRtpProto(m.proto)) {
      const mid = m.attributes.filter((a) => a.name === "mid" && MEDIA.mid!(a.value, m));
      return { media: m.media, port: 0, proto: m.proto, formats: m.formats, bandwidths: [], attributes: mid };
    }
    if (m.port !== 0 && !m.connection && !sdp.connection) throw new SdpError("m= line without a c= address");
    const out: SdpMedia = {
      media: m.media,
      port: m.port,
      proto: m.proto,
      formats: m.formats,
      bandwidths: m.bandwidths.filter((b) => BANDWIDTHS.has(b.type)),
      attributes: keep(m.attributes, MEDIA, m),
    };
    if (m.portCount !== undefined) out.portCount = m.portCount;
    if (m.connection) out.connection = m.connection;
    return out;
  });
  return writeSdp({
    origin: sdp.origin,
    sessionName: sdp.sessionName,
    ...(sdp.connection ? { connection: sdp.connection } : {}),
    bandwidths: sdp.bandwidths.filter((b) => BANDWIDTHS.has(b.type)),
    timing: sdp.timing,
    attributes: keep(sdp.attributes, SESSION),
    media,
  });
}
