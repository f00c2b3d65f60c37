/**
 * The transport of a Jingle content <-> the model: XEP-0176 ICE-UDP (with the XEP-0320 DTLS
 * <fingerprint/> inside it) and XEP-0177 RAW-UDP. Any other transport is not read (undefined).
 *
 * Validation, so that what reaches SDP is what it claims to be: ports are 0-65535, addresses are literal
 * IPv4/IPv6 (an mDNS `.local` name is refused too: rtpengine cannot resolve it), components are 1-256
 * (RFC 8839 section 5.1 `component-id = 1*3DIGIT`), ufrag/pwd are ICE characters, the fingerprint is
 * hex pairs. The non-standard <gathering-complete/> WebRTC clients send (end of candidates, the SDP
 * `a=end-of-candidates` of RFC 8840) sets `gatheringComplete`.
 */
import xml, { type Element } from "@xmpp/xml";
import { JingleError } from "./jingle-error.js";
import type {
  Fingerprint,
  IceCandidate,
  IceUdpTransport,
  RawUdpCandidate,
  Transport,
} from "./jingle-model.js";
import {
  isCandidateType,
  isField,
  isFingerprintValue,
  isFoundation,
  isIceString,
  isIpAddress,
  isSetupRole,
  isToken,
  parseUint,
} from "./media-checks.js";
import { NS_JINGLE_DTLS, NS_JINGLE_ICE_UDP, NS_JINGLE_RAW_UDP } from "./namespaces.js";

const MAX_U32 = 2 ** 32 - 1;

/** The transport child of a <content/>, or undefined when it has none this gateway speaks. */
export function parseTransport(content: Element): Transport | undefined {
  const ice = content.getChild("transport", NS_JINGLE_ICE_UDP);
  if (ice) return parseIceUdp(ice);
  const raw = content.getChild("transport", NS_JINGLE_RAW_UDP);
  if (raw)
    return {
      kind: "raw-udp",
      candidates: raw.getChildren("candidate", NS_JINGLE_RAW_UDP).map(parseRawCandidate),
    };
  return undefined;
}

function parseIceUdp(el: Element): IceUdpTransport {
  const t: IceUdpTransport = {
    kind: "ice-udp",
    candidates: el.getChildren("candidate", NS_JINGLE_ICE_UDP).map(parseIceCandidate),
  };
  for (const key of ["ufrag", "pwd"] as const) {
    const v = el.attrs[key];
    if (v === undefined) continue;
    if (!isIceString(v)) throw new JingleError(`ICE-UDP <transport/> '${key}' is not 1-256 ICE characters`);
    t[key] = v;
  }
  const fp = el.getChild("fingerprint", NS_JINGLE_DTLS);
  if (fp) t.fingerprint = parseFingerprint(fp);
  if (el.getChild("gathering-complete")) t.gatheringComplete = true;
  return t;
}

/** XEP-0320: hash and setup attributes, the fingerprint as character data. */
function parseFingerprint(el: Element): Fingerprint {
  const hash = el.attrs.hash;
  const setup = el.attrs.setup ?? "actpass";
  const value = el.getText().trim();
  if (hash === undefined || !isToken(hash)) throw new JingleError("<fingerprint/> without a valid 'hash'");
  if (!isSetupRole(setup))
    throw new JingleError("<fingerprint/> 'setup' is not actpass, active, passive or holdconn");
  if (!isFingerprintValue(value)) throw new JingleError("<fingerprint/> value is not hex pairs");
  return { hash, setup, value };
}

/** XEP-0176: the attributes of <candidate/>. */
function parseIceCandidate(el: Element): IceCandidate {
  const a = el.attrs;
  const component = parseUint(a.component, 1, 256);
  const port = parseUint(a.port, 0, 65535);
  const priority = parseUint(a.priority, 1, MAX_U32);
  const generation = a.generation === undefined ? 0 : parseUint(a.generation, 0, MAX_U32);
  const type = a.type ?? "";
  if (a.foundation === undefined || !isFoundation(a.foundation))
    throw new JingleError("candidate 'foundation' missing or bad");
  if (component === undefined)
    throw new JingleError(`candidate 'component' '${a.component ?? ""}' is not 1-256`);
  if (a.ip === undefined || !isIpAddress(a.ip))
    throw new JingleError("candidate 'ip' is not a literal IP address");
  if (port === undefined) throw new JingleError(`candidate 'port' '${a.port ?? ""}' is not 0-65535`);
  if (priority === undefined) throw new JingleError("candidate 'priority' is not a 32-bit number");
  if (a.protocol === undefined || !isToken(a.protocol))
    throw new JingleError("candidate 'protocol' missing or bad");
  if (!isCandidateType(type)) throw new JingleError("candidate 'type' is not host, srflx, prflx or relay");
  if (generation === undefined) throw new JingleError("candidate 'generation' is not a number");
  const c: IceCandidate = {
    foundation: a.foundation,
    component,
    protocol: a.protocol.toLowerCase(),
    priority,
    ip: a.ip,
    port,
    type,
    generation,
  };
  if (a.id !== undefined) {
    if (!isField(a.id)) throw new JingleError("candidate 'id' is not a token");
    c.id = a.id;
  }
  if (a.network !== undefined) {
    c.network = parseUint(a.network, 0, MAX_U32);
    if (c.network === undefined) throw new JingleError("candidate 'network' is not a number");
  }
  if (a["rel-addr"] !== undefined) {
    if (!isIpAddress(a["rel-addr"]))
      throw new JingleError("candidate 'rel-addr' is not a literal IP address");
    c.relAddr = a["rel-addr"];
  }
  if (a["rel-port"] !== undefined) {
    c.relPort = parseUint(a["rel-port"], 0, 65535);
    if (c.relPort === undefined) throw new JingleError("candidate 'rel-port' is not 0-65535");
  }
  return c;
}

/** XEP-0177 <candidate/>: component, generation, id, ip and port, all REQUIRED (generation defaults to 0 here). */
function parseRawCandidate(el: Element): RawUdpCandidate {
  const a = el.attrs;
  const component = parseUint(a.component, 1, 256);
  const port = parseUint(a.port, 0, 65535);
  const generation = a.generation === undefined ? 0 : parseUint(a.generation, 0, MAX_U32);
  if (component === undefined)
    throw new JingleError(`RAW-UDP candidate 'component' '${a.component ?? ""}' is not 1-256`);
  if (a.ip === undefined || !isIpAddress(a.ip))
    throw new JingleError("RAW-UDP candidate 'ip' is not a literal IP address");
  if (port === undefined) throw new JingleError(`RAW-UDP candidate 'port' '${a.port ?? ""}' is not 0-65535`);
  if (generation === undefined) throw new JingleError("RAW-UDP candidate 'generation' is not a number");
  const id = a.id ?? `raw-${component}`;
  if (!isField(id)) throw new JingleError("RAW-UDP candidate 'id' is not a token");
  return { id, component, ip: a.ip, port, generation };
}

export function transportElement(t: Transport): Element {
  if (t.kind === "raw-udp")
    return xml(
      "transport",
      { xmlns: NS_JINGLE_RAW_UDP },
      ...t.candidates.map((c) =>
        xml("candidate", {
          component: String(c.component),
          generation: String(c.generation),
          id: c.id,
          ip: c.ip,
          port: String(c.port),
        }),
      ),
    );
  const fp = t.fingerprint;
  return xml(
    "transport",
    { xmlns: NS_JINGLE_ICE_UDP, ufrag: t.ufrag, pwd: t.pwd },
    fp ? xml("fingerprint", { xmlns: NS_JINGLE_DTLS, hash: fp.hash, setup: fp.setup }, fp.value) : null,
    ...t.candidates.map(candidateElement),
    t.gatheringComplete ? xml("gathering-complete") : null,
  );
}

function candidateElement(c: IceCandidate): Element {
  return xml("candidate", {
    component: String(c.component),
    foundation: c.foundation,
    generation: String(c.generation),
    id: c.id,
    ip: c.ip,
    network: c.network === undefined ? undefined : String(c.network),
    port: String(c.port),
    priority: String(c.priority),
    protocol: c.protocol,
    "rel-addr": c.relAddr,
    "rel-port": c.relPort === undefined ? undefined : String(c.relPort),
    type: c.type,
  });
}
