// SIP message parsing and serialisation (RFC 3261 section 7): start line, headers (compact forms, folded
// lines, comma-separated lists) and a body sized by Content-Length.

const COMPACT: Record<string, string> = {
  i: "call-id",
  m: "contact",
  e: "content-encoding",
  l: "content-length",
  c: "content-type",
  f: "from",
  s: "subject",
  k: "supported",
  t: "to",
  v: "via",
  o: "event",
  r: "refer-to",
  b: "referred-by",
  u: "allow-events",
  x: "session-expires",
  a: "accept-contact",
  j: "reject-contact",
  d: "request-disposition",
  y: "identity",
};

const CANONICAL: Record<string, string> = {
  "call-id": "Call-ID",
  cseq: "CSeq",
  "www-authenticate": "WWW-Authenticate",
  "min-se": "Min-SE",
  rseq: "RSeq",
  rack: "RAck",
  "mime-version": "MIME-Version",
  "sip-etag": "SIP-ETag",
  "sip-if-match": "SIP-If-Match",
  "p-asserted-identity": "P-Asserted-Identity",
  "p-preferred-identity": "P-Preferred-Identity",
};

/** Headers whose value may be a comma-separated list of entries. */
const LIST_HEADERS = new Set(["via", "route", "record-route", "contact"]);

/** Full lower-case header name for a (possibly compact) name. */
export function normalizeName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT[lower] ?? lower;
}

/** Canonical spelling used when the server itself writes a header: `call-id` -> `Call-ID`, `x-foo` -> `X-Foo`. */
export function canonicalName(name: string): string {
  const n = normalizeName(name);
  return CANONICAL[n] ?? n.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

export interface Header {
  name: string;
  value: string;
  /** The header line exactly as received (after unfolding), kept while the header is untouched. */
  raw?: string;
  /** normalizeName(name), computed once (lookups compare it for every header). */
  key?: string;
}

function keyOf(h: Header): string {
  return (h.key ??= normalizeName(h.name));
}

export class SipParseError extends Error {}

export class SipMessage {
  method = "";
  uri = "";
  status = 0;
  reason = "";
  headers: Header[] = [];
  body = "";

  get isRequest(): boolean {
    return this.method !== "";
  }

  static request(method: string, uri: string): SipMessage {
    const m = new SipMessage();
    m.method = method;
    m.uri = uri;
    return m;
  }

  static response(status: number, reason: string): SipMessage {
    const m = new SipMessage();
    m.status = status;
    m.reason = reason;
    return m;
  }

  /**
   * Parses one message. With `useContentLength`, the body is cut to Content-Length bytes (datagrams).
   * Messages from the network are read as Latin-1 (one character per octet) so their bytes reach the
   * app unchanged, as drachtio-server passes them; messages from the app are UTF-8 text.
   */
  static parse(
    data: Buffer | string,
    useContentLength = true,
    encoding: "utf8" | "latin1" = "utf8",
  ): SipMessage {
    const buf = typeof data === "string" ? Buffer.from(data, encoding) : data;
    let end = buf.indexOf("\r\n\r\n");
    let sepLen = 4;
    if (end === -1) {
      end = buf.indexOf("\n\n");
      sepLen = 2;
    }
    if (end === -1) {
      end = buf.length;
      sepLen = 0;
    }
    const lines = unfold(buf.subarray(0, end).toString(encoding).split(/\r?\n/));
    const start = lines.shift()?.trim() ?? "";
    const msg = new SipMessage();
    const resp = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/i.exec(start);
    const req = /^([A-Za-z]+)\s+(\S+)\s+SIP\/2\.0$/i.exec(start);
    if (resp) {
      msg.status = Number(resp[1]);
      msg.reason = resp[2] ?? "";
    } else if (req) {
      msg.method = (req[1] ?? "").toUpperCase();
      msg.uri = req[2] ?? "";
    } else {
      throw new SipParseError(`invalid start line: ${JSON.stringify(start.slice(0, 80))}`);
    }
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon <= 0) throw new SipParseError(`invalid header line: ${JSON.stringify(line.slice(0, 80))}`);
      msg.headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim(), raw: line });
    }
    let body = buf.subarray(Math.min(end + sepLen, buf.length));
    const cl = msg.get("content-length");
    if (useContentLength && cl !== undefined && /^\d+$/.test(cl)) body = body.subarray(0, Number(cl));
    msg.body = body.toString(encoding);
    return msg;
  }

  /** First value of a header (compact and full names match); list headers are not split. */
  get(name: string): string | undefined {
    const n = normalizeName(name);
    return this.headers.find((h) => keyOf(h) === n)?.value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value of a header, with comma-separated lists split for Via, Route, Record-Route, Contact. */
  getAll(name: string): string[] {
    const n = normalizeName(name);
    const values = this.headers.filter((h) => keyOf(h) === n).map((h) => h.value);
    return LIST_HEADERS.has(n) ? values.flatMap(splitList) : values;
  }

  /** Replaces the first header of that name (dropping the others) or appends one. */
  set(name: string, value: string): void {
    const n = normalizeName(name);
    const i = this.headers.findIndex((h) => keyOf(h) === n);
    if (i === -1) {
      this.headers.push({ name, value });
      return;
    }
    this.headers[i] = { name: this.headers[i]?.name ?? name, value };
    this.headers = this.headers.filter((h, j) => j <= i || keyOf(h) !== n);
  }

  add(name: string, value: string): void {
    this.headers.push({ name, value });
  }

  remove(name: string): void {
    const n = normalizeName(name);
    this.headers = this.headers.filter((h) => keyOf(h) !== n);
  }

  get callId(): string {
    return this.get("call-id") ?? "";
  }

  get cseq(): { seq: number; method: string } {
    const [seq, method] = (this.get("cseq") ?? "").split(/\s+/);
    return { seq: Number(seq), method: (method ?? "").toUpperCase() };
  }

  startLine(): string {
    return this.isRequest ? `${this.method} ${this.uri} SIP/2.0` : `SIP/2.0 ${this.status} ${this.reason}`;
  }

  /** Serialises with CRLF line ends. With `fixContentLength` the Content-Length is set to the body size. */
  toString(fixContentLength = true): string {
    if (fixContentLength) this.setContentLength();
    const lines = [this.startLine(), ...this.headers.map((h) => h.raw ?? `${h.name}: ${h.value}`)];
    return `${lines.join("\r\n")}\r\n\r\n${this.body}`;
  }

  private setContentLength(): void {
    const len = String(Buffer.byteLength(this.body, "utf8"));
    const h = this.headers.find((x) => keyOf(x) === "content-length");
    if (!h) this.headers.push({ name: "Content-Length", value: len });
    else if (h.value !== len) Object.assign(h, { value: len, raw: undefined });
  }
}

function unfold(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && out.length > 1) out[out.length - 1] += ` ${line.trim()}`;
    else if (line !== "") out.push(line);
  }
  return out;
}

/** Splits a header value on commas that are outside quotes and angle brackets. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = "";
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === "<") depth++;
    else if (!quoted && ch === ">") depth--;
    if (ch === "," && !quoted && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}
