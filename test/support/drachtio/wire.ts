// drachtio admin protocol framing and tokenising.
//
// Every message on the admin socket is framed as `<byte length>#<TEXT>`. TEXT starts with a meta line of
// `|`-separated fields (`<msgId>|<type>|...`), optionally followed by CRLF and a raw SIP message.

export const CRLF = "\r\n";

/** drachtio-server reads at most 5 length digits (client.cpp readMessageLength); 6 digits is an error. */
const MAX_LENGTH_DIGITS = 5;

export class WireError extends Error {}

export function encodeFrame(text: string, encoding: "utf8" | "latin1" = "utf8"): Buffer {
  return Buffer.from(`${Buffer.byteLength(text, encoding)}#${text}`, encoding);
}

/** Incremental decoder for a byte stream of frames; throws WireError on a malformed length specifier. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: string[] = [];
    for (;;) {
      const hash = this.buf.indexOf(0x23); // '#'
      const digits = hash === -1 ? this.buf.length : hash;
      for (let i = 0; i < Math.min(digits, MAX_LENGTH_DIGITS + 1); i++) {
        const c = this.buf[i] ?? 0;
        if (c < 0x30 || c > 0x39) throw new WireError(`invalid message length specifier: byte ${c}`);
      }
      if (digits > MAX_LENGTH_DIGITS)
        throw new WireError("invalid message length specifier: too many digits");
      if (hash === -1) return out; // the length itself is split across reads
      if (hash === 0) throw new WireError("invalid message length specifier: empty");
      const length = Number(this.buf.subarray(0, hash).toString("latin1"));
      if (length <= 0) throw new WireError("invalid message length specifier: zero");
      const end = hash + 1 + length;
      if (this.buf.length < end) return out;
      out.push(this.buf.subarray(hash + 1, end).toString("utf8"));
      this.buf = this.buf.subarray(end);
    }
  }
}

export interface AdminMessage {
  /** Id of this message (first field). */
  id: string;
  /** Message type: authenticate, route, sip, response, ping, ... */
  type: string;
  /** All `|`-separated fields of the meta line, including id and type. */
  fields: string[];
  /** Whatever follows the first CRLF (a raw SIP message), or "". */
  body: string;
}

/** Splits TEXT into its meta line fields and the (SIP) payload after the first CRLF. */
export function parseAdminMessage(text: string): AdminMessage {
  const eol = text.indexOf(CRLF);
  const meta = eol === -1 ? text : text.slice(0, eol);
  const body = eol === -1 ? "" : text.slice(eol + 2);
  const fields = meta.split("|");
  return { id: fields[0] ?? "", type: fields[1] ?? "", fields, body };
}

/** Meta data of a SIP message as drachtio-server formats it (SipMsgData_t::toMessageFormat). */
export interface SipMeta {
  source: "network" | "application";
  bytes: number;
  protocol: string;
  address: string;
  port: number | string;
  time: string;
}

export function formatMeta(m: SipMeta): string {
  return [m.source, String(m.bytes), m.protocol, m.address, String(m.port), m.time].join("|");
}
