/**
 * The transport of one content <-> the address lines and attributes of its m= block.
 *
 * ICE-UDP (XEP-0176's SDP mapping, RFC 8839 for the SDP side): ufrag/pwd -> a=ice-ufrag/a=ice-pwd,
 * candidates -> a=candidate, <gathering-complete/> -> a=end-of-candidates (RFC 8840), and
 * `a=ice-options:trickle` always (Jingle ICE-UDP trickles by design: XEP-0176 sends candidates in
 * transport-info). The XEP-0320 fingerprint -> a=fingerprint (RFC 8122 section 5) and a=setup (RFC 4145
 * section 4).
 *
 * The m= port and c= address are the default candidate of component 1, chosen as RFC 5245 section 4.1.4
 * says: "It is RECOMMENDED that default candidates be chosen based on the likelihood of those candidates
 * to work with the peer that is being contacted. It is RECOMMENDED that the default candidates are the
 * relayed candidates (if relayed candidates are available), server reflexive candidates (if server
 * reflexive candidates are available), and finally host candidates." With no candidate yet (trickle):
 * port 9 and c=IN IP4 0.0.0.0, as trickle ICE SDP (RFC 8840) and WebRTC write.
 *
 * RAW-UDP (XEP-0177): the component-1 candidate gives c= and the m= port; a component-2 candidate that is
 * not at the same address and port + 1 gives a=rtcp (RFC 3605 section 2.1). Read back, an m= block with
 * no ICE attributes becomes RAW-UDP: component 1 from c= and the port, component 2 from a=rtcp or port + 1
 * (none under rtcp-mux). A fingerprint without ICE is not carried (the model keeps it in ICE-UDP only).
 */
import type { Creator, IceCandidate, Transport } from "./jingle-model.js";
import {
  ipFamily,
  isFingerprintValue,
  isIceString,
  isIpAddress,
  isSetupRole,
  isToken,
  parseUint,
} from "./media-checks.js";
import {
  findAttribute,
  findAttributes,
  type Sdp,
  type SdpAttribute,
  type SdpConnection,
  type SdpMedia,
} from "./sdp.js";
import { parseCandidate, writeCandidate } from "./sdp-candidate.js";
import { SdpError } from "./sdp-error.js";

export interface SdpTransportLines {
  port: number;
  connection: SdpConnection;
  /** Lines before a=mid (rtcp, ICE credentials, fingerprint, setup). */
  attributes: SdpAttribute[];
  /** Lines at the end of the block (candidates, end-of-candidates). */
  trailer: SdpAttribute[];
}

const TYPE_ORDER = ["relay", "srflx", "prflx", "host"];
const NO_ADDRESS: SdpConnection = { addrType: "IP4", address: "0.0.0.0" };

export function transportLines(t: Transport): SdpTransportLines {
  if (t.kind === "raw-udp") {
    const rtp = t.candidates.find((c) => c.component === 1);
    const rtcp = t.candidates.find((c) => c.component === 2);
    const lines: SdpTransportLines = {
      port: rtp?.port ?? 9,
      connection: address(rtp?.ip),
      attributes: [],
      trailer: [],
    };
    if (rtcp && rtp && (rtcp.ip !== rtp.ip || rtcp.port !== rtp.port + 1))
      lines.attributes.push(rtcpLine(rtcp));
    return lines;
  }
  const rtp = defaultCandidate(t.candidates, 1);
  const rtcp = defaultCandidate(t.candidates, 2);
  const attributes: SdpAttribute[] = [];
  if (rtcp) attributes.push(rtcpLine(rtcp));
  if (t.ufrag !== undefined) attributes.push({ name: "ice-ufrag", value: t.ufrag });
  if (t.pwd !== undefined) attributes.push({ name: "ice-pwd", value: t.pwd });
  attributes.push({ name: "ice-options", value: "trickle" });
  if (t.fingerprint) {
    attributes.push({ name: "fingerprint", value: `${t.fingerprint.hash} ${t.fingerprint.value}` });
    attributes.push({ name: "setup", value: t.fingerprint.setup });
  }
  const trailer: SdpAttribute[] = t.candidates.map((c) => ({ name: "candidate", value: writeCandidate(c) }));
  if (t.gatheringComplete) trailer.push({ name: "end-of-candidates" });
  return { port: rtp?.port ?? 9, connection: address(rtp?.ip), attributes, trailer };
}

function address(ip: string | undefined): SdpConnection {
  return ip === undefined ? NO_ADDRESS : { addrType: ipFamily(ip), address: ip };
}

function rtcpLine(c: { ip: string; port: number }): SdpAttribute {
  return { name: "rtcp", value: `${c.port} IN ${ipFamily(c.ip)} ${c.ip}` };
}

function defaultCandidate(list: readonly IceCandidate[], component: number): IceCandidate | undefined {
  const rank = (c: IceCandidate) => TYPE_ORDER.indexOf(c.type) * 2 + (c.protocol === "udp" ? 0 : 1);
  return list
    .filter((c) => c.component === component)
    .sort((a, b) => rank(a) - rank(b) || b.priority - a.priority)[0];
}

/**
 * The transport of m= block `m` (session-level ICE credentials, fingerprint and c= as fallbacks), or
 * undefined when it has neither ICE nor an address. `author` picks the RFC 4145 section 4.1 default of an
 * absent a=setup: "'active' in the offer and 'passive' in the answer" (the initiator's SDP is the offer).
 */
export function transportFromSdp(
  m: SdpMedia,
  sdp: Sdp,
  author: Creator,
  contentName: string,
): Transport | undefined {
  const get = (name: string) => findAttribute(m.attributes, name) ?? findAttribute(sdp.attributes, name);
  const ufrag = get("ice-ufrag")?.trim();
  const pwd = get("ice-pwd")?.trim();
  const candidates = findAttributes(m.attributes, "candidate").map(parseCandidate);
  if (ufrag !== undefined || pwd !== undefined || candidates.length > 0) {
    if (ufrag !== undefined && !isIceString(ufrag)) throw new SdpError("malformed a=ice-ufrag", ufrag);
    if (pwd !== undefined && !isIceString(pwd)) throw new SdpError("malformed a=ice-pwd", pwd);
    for (const c of candidates) c.id ??= `${contentName}-${c.component}-${c.foundation}-${c.generation}`;
    const t: Transport = { kind: "ice-udp", candidates };
    if (ufrag !== undefined) t.ufrag = ufrag;
    if (pwd !== undefined) t.pwd = pwd;
    const fp = get("fingerprint")?.trim();
    if (fp !== undefined) {
      const [hash = "", value = "", ...more] = fp.split(/\s+/);
      const setup = get("setup")?.trim() ?? (author === "initiator" ? "active" : "passive");
      if (!isToken(hash) || !isFingerprintValue(value) || more.length > 0)
        throw new SdpError("malformed a=fingerprint", fp);
      if (!isSetupRole(setup)) throw new SdpError("malformed a=setup", setup);
      t.fingerprint = { hash: hash.toLowerCase(), setup, value: value.toUpperCase() };
    }
    if (findAttribute(m.attributes, "end-of-candidates") !== undefined) t.gatheringComplete = true;
    return t;
  }
  const c = m.connection ?? sdp.connection;
  if (c === undefined || m.port === 0) return undefined;
  const candidates2 = [{ id: `${contentName}-1`, component: 1, ip: c.address, port: m.port, generation: 0 }];
  const rtcp = findAttribute(m.attributes, "rtcp");
  if (findAttribute(m.attributes, "rtcp-mux") === undefined) {
    const r = rtcp === undefined ? undefined : parseRtcp(rtcp, c.address);
    const port = r?.port ?? m.port + 1;
    if (port <= 65535)
      candidates2.push({ id: `${contentName}-2`, component: 2, ip: r?.ip ?? c.address, port, generation: 0 });
  }
  return { kind: "raw-udp", candidates: candidates2 };
}

/** RFC 3605 section 2.1: `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]`. */
export function parseRtcp(value: string, fallbackIp: string): { port: number; ip: string } {
  const m = /^(\d{1,5})(?: IN (IP4|IP6) (\S+))?$/.exec(value.trim());
  const port = parseUint(m?.[1], 0, 65535);
  const ip = m?.[3] ?? fallbackIp;
  if (!m || port === undefined || !isIpAddress(ip)) throw new SdpError("malformed a=rtcp", value);
  return { port, ip };
}
