// SIP URIs, name-addr values (From/To/Contact/Route) and Via values.
import { splitList, type SipMessage } from "./sip-message.js";

export interface SipUri {
  scheme: string;
  user?: string;
  host: string;
  port?: number;
  params: Map<string, string | null>;
}

/** Parses `sip:user@host:port;p=v` (headers after `?` are ignored). Returns undefined if not a SIP URI. */
export function parseUri(uri: string): SipUri | undefined {
  const m = /^(sips?):(?:([^@]*)@)?(\[[^\]]+\]|[^:;?]+)(?::(\d+))?((?:;[^?]*)?)/i.exec(uri.trim());
  if (!m) return undefined;
  const params = new Map<string, string | null>();
  for (const p of (m[5] ?? "").split(";").filter(Boolean)) {
    const eq = p.indexOf("=");
    if (eq === -1) params.set(p.toLowerCase(), null);
    else params.set(p.slice(0, eq).toLowerCase(), p.slice(eq + 1));
  }
  const uriParts: SipUri = { scheme: (m[1] ?? "sip").toLowerCase(), host: m[3] ?? "", params };
  if (m[2]) uriParts.user = m[2];
  if (m[4]) uriParts.port = Number(m[4]);
  return uriParts;
}

/** The transport a URI asks for: `tcp` with `;transport=tcp`, `tls` for sips/tls, otherwise `udp`. */
export function uriTransport(uri: SipUri): "udp" | "tcp" | "tls" {
  const t = (uri.params.get("transport") ?? "").toLowerCase();
  if (uri.scheme === "sips" || t === "tls" || t === "wss" || t === "ws") return "tls";
  return t === "tcp" ? "tcp" : "udp";
}

/** Splits a name-addr / addr-spec into the URI and the header parameters that follow it. */
export function splitNameAddr(value: string): { display: string; uri: string; params: string } {
  const lt = value.indexOf("<");
  if (lt !== -1) {
    const gt = value.indexOf(">", lt);
    return {
      display: value.slice(0, lt).trim(),
      uri: value.slice(lt + 1, gt === -1 ? undefined : gt),
      params: gt === -1 ? "" : value.slice(gt + 1).trim(),
    };
  }
  // addr-spec without brackets: everything after the first ';' is a header parameter
  const semi = value.indexOf(";");
  return semi === -1
    ? { display: "", uri: value.trim(), params: "" }
    : { display: "", uri: value.slice(0, semi).trim(), params: value.slice(semi).trim() };
}

export function headerParam(value: string, name: string): string | undefined {
  for (const p of splitNameAddr(value).params.split(";")) {
    const [k, v] = p.split("=");
    if (k?.trim().toLowerCase() === name) return (v ?? "").trim();
  }
  return undefined;
}

export function tagOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : headerParam(value, "tag") || undefined;
}

export function withTag(value: string, tag: string): string {
  return tagOf(value) ? value : `${value};tag=${tag}`;
}

export function uriOf(value: string): string {
  return splitNameAddr(value).uri;
}

export interface Via {
  protocol: string;
  host: string;
  port?: number;
  params: Array<[string, string | null]>;
}

export function parseVia(value: string): Via | undefined {
  const m =
    /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[^\]]+\]|[^:;\s]+)(?:\s*:\s*(\d+))?\s*((?:;.*)?)$/i.exec(
      value.trim(),
    );
  if (!m) return undefined;
  const params: Array<[string, string | null]> = (m[4] ?? "")
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf("=");
      return eq === -1 ? [p, null] : [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
    });
  const via: Via = { protocol: (m[1] ?? "").toUpperCase(), host: m[2] ?? "", params };
  if (m[3]) via.port = Number(m[3]);
  return via;
}

export function viaParam(via: Via, name: string): string | null | undefined {
  return via.params.find(([k]) => k.toLowerCase() === name)?.[1];
}

export function formatVia(via: Via): string {
  const hostport = via.port === undefined ? via.host : `${via.host}:${via.port}`;
  const params = via.params.map(([k, v]) => (v === null ? `;${k}` : `;${k}=${v}`)).join("");
  return `SIP/2.0/${via.protocol} ${hostport}${params}`;
}

export function topVia(msg: SipMessage): Via | undefined {
  const first = msg.getAll("via")[0];
  return first === undefined ? undefined : parseVia(first);
}

/** Replaces the first entry of the first Via header line (which may hold a comma-separated list). */
export function replaceTopVia(msg: SipMessage, via: Via): void {
  const i = msg.headers.findIndex((h) => /^(via|v)$/i.test(h.name.trim()));
  const h = msg.headers[i];
  if (!h) return;
  const rest = splitList(h.value).slice(1);
  msg.headers[i] = { name: h.name, value: [formatVia(via), ...rest].join(", ") };
}
