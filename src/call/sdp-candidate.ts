/**
 * The value of an SDP `a=candidate` attribute <-> an ICE candidate of the Jingle model (XEP-0176's
 * <candidate/> carries the same fields as XML attributes). The grammar is RFC 8839 section 5.1:
 *
 *   candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
 *                         connection-address SP port SP cand-type [SP rel-addr] [SP rel-port]
 *                         *(SP cand-extension)
 *
 * Of the extensions only `generation` and `network-id` (what WebRTC stacks write, and XEP-0176's
 * `generation`/`network`) are kept. A host name or an mDNS `.local` name as connection-address is
 * refused: rtpengine is given literal addresses only.
 */
import type { IceCandidate } from "./jingle-model.js";
import { isCandidateType, isField, isFoundation, isIpAddress, isToken, parseUint } from "./media-checks.js";
import { SdpError } from "./sdp-error.js";

const MAX_PRIORITY = 2 ** 32 - 1;

export function parseCandidate(value: string): IceCandidate {
  const f = value.trim().split(/\s+/);
  const [foundation = "", componentText, protocol = "", priorityText, ip = "", portText, typ, type = ""] = f;
  const component = parseUint(componentText, 1, 256);
  const priority = parseUint(priorityText, 1, MAX_PRIORITY);
  const port = parseUint(portText, 0, 65535);
  if (!isFoundation(foundation)) throw new SdpError("bad candidate foundation", value);
  if (component === undefined) throw new SdpError("bad candidate component", value);
  if (!isToken(protocol)) throw new SdpError("bad candidate transport", value);
  if (priority === undefined) throw new SdpError("bad candidate priority", value);
  if (!isIpAddress(ip)) throw new SdpError("candidate address is not a literal IP address", value);
  if (port === undefined) throw new SdpError("bad candidate port", value);
  if (typ !== "typ" || !isCandidateType(type)) throw new SdpError("bad candidate type", value);
  const c: IceCandidate = {
    foundation,
    component,
    protocol: protocol.toLowerCase(),
    priority,
    ip,
    port,
    type,
    generation: 0,
  };
  const rest = f.slice(8);
  if (rest.length % 2 !== 0) throw new SdpError("candidate extension without a value", value);
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i] ?? "";
    const v = rest[i + 1] ?? "";
    if (!isField(name) || !isField(v)) throw new SdpError("bad candidate extension", value);
    if (name === "raddr") {
      if (!isIpAddress(v)) throw new SdpError("candidate raddr is not a literal IP address", value);
      c.relAddr = v;
    } else if (name === "rport") {
      c.relPort = parseUint(v, 0, 65535);
      if (c.relPort === undefined) throw new SdpError("bad candidate rport", value);
    } else if (name === "generation") {
      const g = parseUint(v, 0, MAX_PRIORITY);
      if (g === undefined) throw new SdpError("bad candidate generation", value);
      c.generation = g;
    } else if (name === "network-id") {
      c.network = parseUint(v, 0, MAX_PRIORITY);
      if (c.network === undefined) throw new SdpError("bad candidate network-id", value);
    } // other extensions (ufrag, network-cost, tcptype...) are dropped
  }
  return c;
}

/** The `a=candidate` value of `c` (the fields were validated when the model was parsed). */
export function writeCandidate(c: IceCandidate): string {
  const parts = [c.foundation, c.component, c.protocol, c.priority, c.ip, c.port, "typ", c.type];
  if (c.relAddr !== undefined) parts.push("raddr", c.relAddr);
  if (c.relPort !== undefined) parts.push("rport", c.relPort);
  parts.push("generation", c.generation);
  if (c.network !== undefined) parts.push("network-id", c.network);
  return parts.join(" ");
}
