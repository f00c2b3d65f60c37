/**
 * RFC 3862 (CPIM Message Format): `message/cpim`, parsed from the bytes of a SIP body and written.
 *
 * A CPIM message has three header blocks (RFC 3862 section 2): the MIME headers of the message/cpim
 * object itself, the message headers, then the encapsulated MIME object (its content headers and its
 * content), each block ended by an empty line:
 *
 *     m: Content-type: Message/CPIM          in SIP: the SIP Content-Type; not part of the body
 *     s:
 *     h: From: MR SANDERS <im:piglet@100akerwood.com>
 *     h: NS: MyFeatures <mid:MessageFeatures@id.foo.com>
 *     h: MyFeatures.VitalMessageOption: Confirmation-requested
 *     s:
 *     e: Content-type: text/plain
 *     e:
 *     e: Here is the text of my message.
 *
 * Message headers: `Name ":" *(";" parameter) SP value` (RFC 3862 section 3.1); a name `prefix.Name`
 * is in the namespace an `NS: prefix <uri>` header declares, an unprefixed name in the CPIM namespace
 * (`urn:ietf:params:cpim-headers:`). Headers are looked up here by (namespace, name), never by prefix:
 * RFC 5438 senders write `NS: imdn <urn:ietf:params:imdn>` but any prefix is as good.
 *
 * Leniency, each seen in real traffic or in a printed RFC example (docs/im.md, "CPIM"):
 * - bare LF line ends as well as CRLF; folded lines (a line starting with white space continues the
 *   previous one);
 * - a leading block of MIME headers whose Content-Type is message/cpim (the "m:" block) is skipped;
 * - the content headers written inside the message header block with no empty line between them, as
 *   RFC 5438's printed examples do: an unprefixed `Content-Type` among the message headers starts the
 *   content headers (no CPIM message header is called Content-Type);
 * - names are compared case-insensitively (RFC 3862 header names are case-sensitive, but nothing is
 *   gained by refusing `Content-type` or `imdn.message-id`);
 * - the prefix `imdn` without an NS declaration means RFC 5438's namespace (older senders).
 *
 * The content is returned as bytes: its charset is whatever its own Content-Type says.
 */
import { CPIM_DEFAULT_NS, CPIM_IMDN_NS } from "./namespaces.js";
import { SipBodyError } from "./sip-body-error.js";

export const CPIM_CONTENT_TYPE = "message/cpim";

export interface CpimHeader {
  /** As written, e.g. `imdn.Message-ID`. */
  readonly name: string;
  /** The namespace URI of the name (`CPIM_DEFAULT_NS` when unprefixed). */
  readonly ns: string;
  /** The name without its prefix, e.g. `Message-ID`. */
  readonly local: string;
  /** The `;param=value` list written between the colon and the value, e.g. `;lang=fr`; usually "". */
  readonly params: string;
  readonly value: string;
}

export interface CpimMessage {
  readonly headers: readonly CpimHeader[];
  readonly contentHeaders: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  readonly content: Uint8Array;
}

interface Line {
  name: string;
  rest: string;
}

export function parseCpim(body: Uint8Array): CpimMessage {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let pos = 0;

  let block = readBlock();
  if (block.lines.length > 0 && block.lines.every((l) => isMimeHeader(l.name))) {
    const ct = block.lines.find((l) => l.name.toLowerCase() === "content-type");
    if (ct && ct.rest.trim().toLowerCase().startsWith(CPIM_CONTENT_TYPE)) block = readBlock();
  }
  if (!block.ended)
    throw SipBodyError.malformed("malformed-cpim", "CPIM body without an empty line after its headers");

  let messageLines = block.lines;
  const inline = messageLines.findIndex((l) => l.name.toLowerCase() === "content-type");
  let contentLines: Line[];
  if (inline !== -1) {
    const moved = (l: Line, i: number) => i >= inline && isMimeHeader(l.name);
    contentLines = messageLines.filter(moved);
    messageLines = messageLines.filter((l, i) => !moved(l, i));
  } else {
    const content = readBlock();
    if (!content.ended && content.lines.length > 0) {
      throw SipBodyError.malformed(
        "malformed-cpim",
        "CPIM content headers are not followed by an empty line",
      );
    }
    contentLines = content.lines;
  }

  const prefixes = new Map<string, string>([["imdn", CPIM_IMDN_NS]]);
  for (const l of messageLines) {
    if (l.name.toLowerCase() !== "ns") continue;
    const m = /^\s*([^\s<>]+)\s*<([^>]*)>\s*$/.exec(l.rest);
    if (m) prefixes.set((m[1] as string).toLowerCase(), m[2] as string);
  }
  const headers = messageLines.map((l): CpimHeader => {
    const dot = l.name.lastIndexOf(".");
    const prefix = dot === -1 ? "" : l.name.slice(0, dot).toLowerCase();
    const ns = prefix === "" ? CPIM_DEFAULT_NS : (prefixes.get(prefix) ?? `unbound-prefix:${prefix}`);
    const paramsMatch = /^(;[^ ]*)/.exec(l.rest);
    const params = paramsMatch ? (paramsMatch[1] as string) : "";
    return {
      name: l.name,
      ns,
      local: l.name.slice(dot + 1),
      params,
      value: l.rest.slice(params.length).trim(),
    };
  });
  return {
    headers,
    contentHeaders: contentLines.map((l) => ({ name: l.name, value: l.rest.trim() })),
    content: bytes.subarray(pos),
  };

  /** Reads header lines up to an empty line (`ended`) or the end of the body. */
  function readBlock(): { lines: Line[]; ended: boolean } {
    const lines: Line[] = [];
    while (pos < bytes.length) {
      const lf = bytes.indexOf(0x0a, pos);
      const end = lf === -1 ? bytes.length : lf;
      let text = bytes.toString("utf8", pos, end);
      pos = lf === -1 ? bytes.length : lf + 1;
      if (text.endsWith("\r")) text = text.slice(0, -1);
      if (text === "") return { lines, ended: true };
      const last = lines[lines.length - 1];
      if ((text.startsWith(" ") || text.startsWith("\t")) && last) {
        last.rest += ` ${text.trim()}`;
        continue;
      }
      const colon = text.indexOf(":");
      const name = colon === -1 ? "" : text.slice(0, colon).trim();
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
        throw SipBodyError.malformed(
          "malformed-cpim",
          `CPIM header line is not "Name: value": ${JSON.stringify(text.slice(0, 60))}`,
        );
      }
      lines.push({ name, rest: text.slice(colon + 1) });
    }
    return { lines, ended: false };
  }
}

function isMimeHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith("content-") || n === "mime-version";
}

/** The value of the first message header named `local` (any case) in namespace `ns`. */
export function cpimHeader(msg: CpimMessage, ns: string, local: string): string | undefined {
  const l = local.toLowerCase();
  return msg.headers.find((h) => h.ns === ns && h.local.toLowerCase() === l)?.value;
}

/** The value of the first content header named `name` (any case). */
export function cpimContentHeader(msg: CpimMessage, name: string): string | undefined {
  const n = name.toLowerCase();
  return msg.contentHeaders.find((h) => h.name.toLowerCase() === n)?.value;
}

export interface CpimOutput {
  /** Declared first, in order: `NS: prefix <uri>`. */
  namespaces: ReadonlyArray<{ prefix: string; uri: string }>;
  /** Message headers in order; `prefix` must be one of `namespaces` (or absent for CPIM's own). */
  headers: ReadonlyArray<{ prefix?: string | undefined; name: string; value: string }>;
  contentHeaders: ReadonlyArray<{ name: string; value: string }>;
  content: string;
}

/**
 * Writes a CPIM body with CRLF line ends. Names and values come from the gateway, not from a peer:
 * one that would break the header syntax (a line break, a control character, a name that is not a
 * token) is a programming error and throws `RangeError`; callers encode what they take from the other
 * network first.
 */
export function formatCpim(out: CpimOutput): string {
  const lines: string[] = [];
  const from = (name: string, value: string) => `${checkName(name)}: ${checkValue(name, value)}`;
  const core = out.headers.filter((h) => !h.prefix);
  // RFC 3862 core headers first (From, To, DateTime...), then the namespace declarations, then the
  // headers that use them, as liblinphone and RFC 5438's examples order them.
  for (const h of core) lines.push(from(h.name, h.value));
  for (const n of out.namespaces)
    lines.push(from("NS", `${checkName(n.prefix)} <${checkValue("NS", n.uri)}>`));
  for (const h of out.headers) if (h.prefix) lines.push(from(`${h.prefix}.${h.name}`, h.value));
  lines.push("");
  for (const h of out.contentHeaders) lines.push(from(h.name, h.value));
  lines.push("");
  return lines.join("\r\n") + "\r\n" + out.content;
}

function checkName(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name))
    throw new RangeError(`not a CPIM header name: ${JSON.stringify(name)}`);
  return name;
}

function checkValue(name: string, value: string): string {
  // eslint-disable-next-line no-control-regex -- refusing control characters in a header is the point
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    throw new RangeError(`CPIM header ${name} value contains a control character`);
  }
  return value;
}
