// Compares an admin-socket transcript with the reference one by shape: message types, the number and kind of
// the `|` fields, how ids refer to each other, the order of causally related messages, and the SIP messages'
// start lines, header names and header value shapes.
import type { WireMsg } from "./harness.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIALOG = /^([^;|]+);from-tag=([^;|]+)$/;

/** Kind of a meta field; values of kind "literal" must be equal. */
export function fieldKind(v: string): string {
  if (v === "") return "empty";
  if (UUID.test(v)) return "uuid";
  if (DIALOG.test(v)) return "dialog-id";
  if (/^\d\d:\d\d:\d\d\.\d{6}$/.test(v)) return "time";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return "ipv4";
  if (/^\d+$/.test(v)) return "integer";
  if (/^(tcp|udp)\/[\d.]+:\d+(,(tcp|udp)\/[\d.]+:\d+)*$/.test(v)) return "hostports";
  if (/^v\d+\.\d+\.\d+/.test(v)) return "version";
  return `literal:${v}`;
}

interface Parsed {
  fields: string[];
  sip: string;
}

function parse(m: WireMsg): Parsed {
  const eol = m.msg.indexOf("\r\n");
  return {
    fields: (eol === -1 ? m.msg : m.msg.slice(0, eol)).split("|"),
    sip: eol === -1 ? "" : m.msg.slice(eol + 2),
  };
}

const COMPACT: Record<string, string> = {
  i: "call-id",
  m: "contact",
  l: "content-length",
  c: "content-type",
};
Object.assign(COMPACT, { f: "from", t: "to", v: "via", o: "event", s: "subject", k: "supported" });

/** Value shape of a header: generated tokens, UUIDs and numbers abstracted, everything else kept. */
export function valueShape(v: string): string {
  return v
    .replace(/branch=z9hG4bK[A-Za-z0-9]{13}\b/g, "branch=BRANCH")
    .replace(/tag=[A-Za-z0-9]+/g, "tag=TAG")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "UUID")
    .replace(/\d+/g, "N");
}

export interface SipShape {
  startLine: string;
  headers: Map<string, string[]>;
  callId: string;
  tags: string[];
  hasBody: boolean;
  length: number;
}

export function sipShape(text: string): SipShape {
  const end = text.indexOf("\r\n\r\n");
  const lines = (end === -1 ? text : text.slice(0, end)).split("\r\n");
  const start = lines.shift() ?? "";
  const resp = /^SIP\/2\.0 (\d+) (.*)$/.exec(start);
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const i = line.indexOf(":");
    const name = line.slice(0, i).trim().toLowerCase();
    const full = COMPACT[name] ?? name;
    headers.set(full, [...(headers.get(full) ?? []), valueShape(line.slice(i + 1).trim())]);
  }
  const raw = (n: string): string =>
    new RegExp(`^${n}\\s*:(.*)$`, "im").exec(text.slice(0, end))?.[1]?.trim() ?? "";
  return {
    startLine: resp ? `SIP/2.0 ${resp[1]} ${resp[2]}` : (start.split(" ")[0] ?? ""),
    headers,
    callId: raw("call-id"),
    tags: ["from", "to"].map((h) => /tag=([^;>\s]+)/.exec(raw(h))?.[1] ?? ""),
    hasBody: end !== -1 && text.length > end + 4,
    length: Buffer.byteLength(text),
  };
}

/**
 * Returns a list of differences (empty when the transcripts have the same shape). Messages are paired by
 * direction and position: the n-th app->server message with the n-th app->server message of the reference.
 */
export function compareShapes(ref: WireMsg[], ours: WireMsg[]): string[] {
  const problems: string[] = [];
  const byDir = (t: WireMsg[], d: WireMsg["dir"]): number[] => t.flatMap((m, i) => (m.dir === d ? [i] : []));
  const pairs: Array<[number, number]> = [];
  for (const dir of ["app->server", "server->app"] as const) {
    const [r, o] = [byDir(ref, dir), byDir(ours, dir)];
    if (r.length !== o.length) problems.push(`${dir}: ${o.length} messages, reference has ${r.length}`);
    r.forEach((ri, k) => o[k] !== undefined && pairs.push([ri, o[k]]));
  }
  if (problems.length) return [...problems, ...ours.map((m) => `  ours: ${m.dir} ${m.msg.split("\r\n")[0]}`)];
  pairs.sort((a, b) => a[0] - b[0]);
  const refToOurs = new Map<string, string>();
  const oursToRef = new Map<string, string>();
  const where = (ri: number): string => `message ${ri} (${ref[ri]?.dir} ${parse(ref[ri]!).fields[1]})`;
  for (const [ri, oi] of pairs) {
    const [r, o] = [parse(ref[ri]!), parse(ours[oi]!)];
    const at = where(ri);
    if (r.fields.length !== o.fields.length) {
      problems.push(
        `${at}: ${o.fields.length} fields, reference has ${r.fields.length}: ${o.fields.join("|")}`,
      );
      continue;
    }
    r.fields.forEach((rv, i) => {
      const ov = o.fields[i] ?? "";
      const [rk, ok] = [fieldKind(rv), fieldKind(ov)];
      if (rk !== ok) problems.push(`${at}: field ${i} is ${ok} (${JSON.stringify(ov)}), reference ${rk}`);
      if ((rk === "uuid" || rk === "dialog-id") && rk === ok) {
        // ids must refer to each other the same way as in the reference
        if ((refToOurs.get(rv) ?? ov) !== ov || (oursToRef.get(ov) ?? rv) !== rv) {
          problems.push(`${at}: field ${i} (${ov}) does not refer to the same message as in the reference`);
        }
        refToOurs.set(rv, ov);
        oursToRef.set(ov, rv);
      }
    });
    problems.push(...compareSip(at, r, o));
  }
  problems.push(...checkCausalOrder(ref, ours, pairs));
  return problems;
}

function compareSip(at: string, r: Parsed, o: Parsed): string[] {
  if (!r.sip || !o.sip) return r.sip === o.sip ? [] : [`${at}: SIP payload present in only one of them`];
  const [rs, os] = [sipShape(r.sip), sipShape(o.sip)];
  const out: string[] = [];
  if (rs.startLine !== os.startLine) out.push(`${at}: start line ${os.startLine}, reference ${rs.startLine}`);
  if (rs.hasBody !== os.hasBody)
    out.push(`${at}: body ${os.hasBody ? "present" : "absent"}, reference differs`);
  const names = (s: SipShape): string => [...s.headers.keys()].sort().join(",");
  if (names(rs) !== names(os)) out.push(`${at}: headers [${names(os)}], reference [${names(rs)}]`);
  for (const [name, shapes] of rs.headers) {
    const mine = os.headers.get(name);
    if (mine && mine.join("\n") !== shapes.join("\n"))
      out.push(`${at}: ${name}: ${mine.join(" / ")}, reference ${shapes.join(" / ")}`);
  }
  // the bytes field: equal to the message size, smaller (rport added on receipt), or 0 (made up locally)
  const bytesAt = r.fields[1] === "sip" ? 3 : r.fields[4] === "application" ? 5 : -1;
  if (bytesAt > 0) {
    const rel = (p: Parsed, s: SipShape): string => {
      const b = Number(p.fields[bytesAt]);
      return b === 0 ? "zero" : b === s.length ? "equal" : b < s.length ? "smaller" : "larger";
    };
    if (rel(r, rs) !== rel(o, os))
      out.push(`${at}: bytes field is ${rel(o, os)} to the message, reference ${rel(r, rs)}`);
  }
  // a dialog id names the Call-ID and the tag of the dialog-creating request's From: in the SIP message it is
  // the From tag or the To tag, and which of the two must be the same as in the reference
  if (o.fields[1] === "sip" && o.fields[2] === "network") {
    const role = (p: Parsed, s: SipShape): string[] =>
      p.fields
        .filter((f) => DIALOG.test(f))
        .map((f) => {
          const [, cid, tag] = DIALOG.exec(f) ?? [];
          return cid !== s.callId
            ? "other call"
            : (["from tag", "to tag"][s.tags.indexOf(tag ?? "")] ?? "no tag");
        });
    if (role(r, rs).join() !== role(o, os).join()) {
      out.push(`${at}: dialog id names the ${role(o, os).join()}, reference the ${role(r, rs).join()}`);
    }
  }
  return out;
}

/**
 * Where a reference message uses an id first seen in a message of the other direction, ours must come after
 * the corresponding message too (a response after its request, a request in a dialog after the dialog, ...).
 */
function checkCausalOrder(ref: WireMsg[], ours: WireMsg[], pairs: Array<[number, number]>): string[] {
  const toOurs = new Map(pairs);
  const firstSeen = new Map<string, number>();
  const out: string[] = [];
  ref.forEach((m, ri) => {
    const ids = parse(m).fields.filter((f) => UUID.test(f) || DIALOG.test(f));
    for (const id of ids) {
      const cause = firstSeen.get(id);
      if (cause === undefined) {
        firstSeen.set(id, ri);
        continue;
      }
      const [oc, oe] = [toOurs.get(cause), toOurs.get(ri)];
      if (ref[cause]?.dir !== m.dir && oc !== undefined && oe !== undefined && oc > oe) {
        out.push(`message ${ri} comes before message ${cause} it depends on (ours: ${oe} < ${oc})`);
      }
    }
  });
  return out;
}
