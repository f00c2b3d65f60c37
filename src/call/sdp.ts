/**
 * A small SDP model with its reader and writer (RFC 8866, which obsoletes RFC 4566): the lines the
 * gateway translates, validated, and nothing else. `parseSdp` accepts LF or CRLF line ends; `writeSdp`
 * writes CRLF (RFC 8866 section 5: "The sequence CRLF (0x0d0a) is used to end a line").
 *
 * What is kept: v= (always 0), o=, s=, c=, b=, t=, a= and m= blocks (with their c=, b=, a=). The
 * optional informational lines i=, u=, e=, p=, r=, z= and the obsolete k= are read and dropped. Any other
 * type letter is an error (RFC 8866 section 5: "An SDP parser MUST completely ignore or reject any
 * session description that contains a type letter that it does not understand"; we reject). Attributes
 * are kept in order as `name` / `value` pairs, unknown ones included, so a caller chooses what to keep.
 *
 * Not supported (an SdpError): multicast c= lines (`/ttl`), host names in c= (rtpengine is given
 * addresses), an m= port count on a non-RTP protocol, bodies over 128 KiB.
 */
import {
  ipFamily,
  isByteString,
  isField,
  isIpAddress,
  isPayloadId,
  isPort,
  isToken,
  parseUint,
} from "./media-checks.js";
import { SdpError } from "./sdp-error.js";

export interface SdpAttribute {
  name: string;
  /** Absent for a property attribute (`a=rtcp-mux`), the text after the first `:` otherwise. */
  value?: string;
}

export interface SdpConnection {
  addrType: "IP4" | "IP6";
  address: string;
}

export interface SdpBandwidth {
  type: string;
  /** kilobits per second for AS/CT, bits per second for TIAS (RFC 3890). */
  value: number;
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  addrType: "IP4" | "IP6";
  address: string;
}

export interface SdpMedia {
  media: string;
  port: number;
  portCount?: number;
  proto: string;
  /** Payload type numbers for RTP protocols, otherwise the protocol's format tokens. */
  formats: string[];
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  attributes: SdpAttribute[];
}

export interface Sdp {
  origin: SdpOrigin;
  sessionName: string;
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  /** t= lines as "<start> <stop>"; at least one is written ("0 0" when empty). */
  timing: string[];
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

const MAX_SDP_LENGTH = 128 * 1024;
const DROPPED = new Set(["i", "u", "e", "p", "r", "z", "k"]);

/** The first value of attribute `name` (`""` for a property attribute), or undefined. */
export function findAttribute(attributes: readonly SdpAttribute[], name: string): string | undefined {
  const a = attributes.find((x) => x.name === name);
  return a === undefined ? undefined : (a.value ?? "");
}

/** Every value of attribute `name`, in order. */
export function findAttributes(attributes: readonly SdpAttribute[], name: string): string[] {
  return attributes.filter((x) => x.name === name).map((x) => x.value ?? "");
}

/** RFC 8866 section 8.2.2: the RTP profiles, whose formats are payload type numbers. */
export function isRtpProto(proto: string): boolean {
  return /(^|\/)RTP\//.test(proto);
}

export function parseSdp(text: string): Sdp {
  if (text.length > MAX_SDP_LENGTH) throw new SdpError(`SDP longer than ${MAX_SDP_LENGTH} characters`);
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  // RFC 8866 section 9 (grammar): a session description begins with the version line, v=0.
  if (lines[0] !== "v=0") throw new SdpError("SDP does not begin with v=0", lines[0] ?? "");
  let origin: SdpOrigin | undefined;
  let sessionName: string | undefined;
  const session: Omit<Sdp, "origin" | "sessionName"> = {
    bandwidths: [],
    timing: [],
    attributes: [],
    media: [],
  };
  let current: SdpMedia | undefined;
  for (const line of lines.slice(1)) {
    const m = /^([a-z])=(.*)$/.exec(line);
    if (!m) throw new SdpError("not an SDP line", line);
    const [, type, value = ""] = m;
    if (!isByteString(value) && value !== "") throw new SdpError("control character in SDP line", line);
    if (type === "m") {
      current = parseMediaLine(value, line);
      session.media.push(current);
    } else if (type === "a") {
      (current ?? session).attributes.push(parseAttribute(value, line));
    } else if (type === "c") {
      if (current) current.connection = parseConnection(value, line);
      else session.connection = parseConnection(value, line);
    } else if (type === "b") {
      (current ?? session).bandwidths.push(parseBandwidth(value, line));
    } else if (current === undefined && type === "o") {
      if (origin) throw new SdpError("second o= line", line);
      origin = parseOrigin(value, line);
    } else if (current === undefined && type === "s") {
      if (sessionName !== undefined) throw new SdpError("second s= line", line);
      sessionName = value;
    } else if (current === undefined && type === "t") {
      if (!/^\d+ \d+$/.test(value)) throw new SdpError("malformed t= line", line);
      session.timing.push(value);
    } else if (!DROPPED.has(type ?? "") || (current !== undefined && type !== "i" && type !== "k")) {
      throw new SdpError(current ? "line not allowed in a media description" : "unknown SDP line", line);
    } // else: an informational line, dropped
  }
  if (!origin) throw new SdpError("SDP without o= line");
  if (sessionName === undefined) throw new SdpError("SDP without s= line");
  return { origin, sessionName, ...session };
}

function parseOrigin(value: string, line: string): SdpOrigin {
  const f = value.split(" ");
  const [username, sessionId, sessionVersion, net, addrType, address] = f;
  if (
    f.length !== 6 ||
    f.some((x) => !isField(x)) ||
    net !== "IN" ||
    (addrType !== "IP4" && addrType !== "IP6")
  )
    throw new SdpError("malformed o= line", line);
  return {
    username: username!,
    sessionId: sessionId!,
    sessionVersion: sessionVersion!,
    addrType,
    address: address!,
  };
}

function parseConnection(value: string, line: string): SdpConnection {
  const m = /^IN (IP4|IP6) (\S+)$/.exec(value);
  const address = m?.[2];
  if (!m || address === undefined || !isIpAddress(address) || ipFamily(address) !== m[1])
    throw new SdpError("c= line without a literal IPv4/IPv6 unicast address", line);
  return { addrType: ipFamily(address), address };
}

function parseBandwidth(value: string, line: string): SdpBandwidth {
  const m = /^([^:\s]+):(\d{1,10})$/.exec(value);
  if (!m || !isToken(m[1]!)) throw new SdpError("malformed b= line", line);
  return { type: m[1]!, value: Number(m[2]) };
}

function parseAttribute(value: string, line: string): SdpAttribute {
  const colon = value.indexOf(":");
  const name = colon < 0 ? value : value.slice(0, colon);
  if (!isToken(name)) throw new SdpError("malformed a= line", line);
  return colon < 0 ? { name } : { name, value: value.slice(colon + 1) };
}

/** RFC 8866 section 5.14: `m=<media> <port>[/<number of ports>] <proto> <fmt> ...`. */
function parseMediaLine(value: string, line: string): SdpMedia {
  const m = /^(\S+) (\d{1,5})(?:\/(\d{1,5}))? (\S+)((?: \S+)+)$/.exec(value);
  if (!m) throw new SdpError("malformed m= line", line);
  const [, media = "", portText, countText, proto = ""] = m;
  const port = parseUint(portText, 0, 65535);
  const portCount = countText === undefined ? undefined : parseUint(countText, 1, 65535);
  if (port === undefined || !isPort(port)) throw new SdpError("m= line port out of range", line);
  if (countText !== undefined && portCount === undefined) throw new SdpError("bad m= port count", line);
  if (!isToken(media) || !proto.split("/").every(isToken)) throw new SdpError("malformed m= line", line);
  const formats = (m[5] ?? "").trim().split(" ");
  if (!formats.every(isToken)) throw new SdpError("malformed m= format", line);
  if (isRtpProto(proto) && !formats.every((f) => isPayloadId(parseUint(f, 0, 127) ?? -1)))
    throw new SdpError("RTP payload type not an integer from 0 to 127", line);
  const media0: SdpMedia = { media, port, proto, formats, bandwidths: [], attributes: [] };
  if (portCount !== undefined) media0.portCount = portCount;
  return media0;
}

/** The SDP text of `sdp`, CRLF line ends. Throws SdpError for any field that would break a line. */
export function writeSdp(sdp: Sdp): string {
  const o = sdp.origin;
  const out: string[] = ["v=0"];
  const originFields = [o.username, o.sessionId, o.sessionVersion, o.address];
  if (!originFields.every(isField)) throw new SdpError("o= field not writable", originFields.join(" "));
  out.push(`o=${o.username} ${o.sessionId} ${o.sessionVersion} IN ${o.addrType} ${o.address}`);
  out.push(`s=${checkedText(sdp.sessionName === "" ? "-" : sdp.sessionName)}`);
  writeConnection(out, sdp.connection);
  writeBandwidths(out, sdp.bandwidths);
  for (const t of sdp.timing.length > 0 ? sdp.timing : ["0 0"]) {
    if (!/^\d+ \d+$/.test(t)) throw new SdpError("t= value not writable", t);
    out.push(`t=${t}`);
  }
  writeAttributes(out, sdp.attributes);
  for (const m of sdp.media) {
    const formats = m.formats.length > 0 ? m.formats : ["0"];
    if (!isPort(m.port) || !isToken(m.media) || !m.proto.split("/").every(isToken) || !formats.every(isToken))
      throw new SdpError("m= line not writable", `${m.media} ${m.port} ${m.proto} ${formats.join(" ")}`);
    const count = m.portCount === undefined ? "" : `/${m.portCount}`;
    out.push(`m=${m.media} ${m.port}${count} ${m.proto} ${formats.join(" ")}`);
    writeConnection(out, m.connection);
    writeBandwidths(out, m.bandwidths);
    writeAttributes(out, m.attributes);
  }
  return out.map((l) => `${l}\r\n`).join("");
}

function checkedText(s: string): string {
  if (!isByteString(s)) throw new SdpError("SDP value with a line break or control character", s);
  return s;
}

function writeConnection(out: string[], c: SdpConnection | undefined): void {
  if (c === undefined) return;
  if (!isIpAddress(c.address) || ipFamily(c.address) !== c.addrType)
    throw new SdpError("c= address not writable", c.address);
  out.push(`c=IN ${c.addrType} ${c.address}`);
}

function writeBandwidths(out: string[], list: readonly SdpBandwidth[]): void {
  for (const b of list) {
    if (!isToken(b.type) || !Number.isInteger(b.value) || b.value < 0)
      throw new SdpError("b= line not writable", `${b.type}:${b.value}`);
    out.push(`b=${b.type}:${b.value}`);
  }
}

function writeAttributes(out: string[], list: readonly SdpAttribute[]): void {
  for (const a of list) {
    if (!isToken(a.name)) throw new SdpError("attribute name not writable", a.name);
    out.push(a.value === undefined ? `a=${a.name}` : `a=${a.name}:${checkedText(a.value)}`);
  }
}
