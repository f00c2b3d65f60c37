/**
 * Sends one ChatMessage as a SIP MESSAGE (RFC 3428) and resolves with the final response.
 *
 * Size: RFC 3428 section 7: "the size of MESSAGE requests outside of a media session MUST NOT
 * exceed 1300 bytes" unless the path is known to be congestion controlled. Over that, with
 * `im.largeMessage: tcp` the request goes over TCP (the proxy or Request-URI gets transport=tcp);
 * with `split` the text is cut (at whitespace where it can, never inside a character) into parts
 * that fit, sent one after the other, each waiting for the previous one's final response so they
 * arrive in order. A message is never truncated.
 */
import { SipUri } from "../address/sip-uri.js";
import type { FinalResponse } from "../sip/sip-link.js";
import type { ChatMessage } from "./chat-message.js";
import type { ImContext } from "./im-ports.js";
import { chatMessageToSip } from "./sip-message.js";

/** RFC 3428 section 7. */
export const UDP_MESSAGE_LIMIT = 1300;
/** What the Via, From, To, Call-ID, CSeq, Max-Forwards and Content-* lines take, generously. */
const HEADER_ALLOWANCE = 550;

const NOTHING_SENT: FinalResponse = { status: 204, reason: "Nothing to send", get: () => undefined };

function uriText(u: SipUri | string): string {
  return typeof u === "string" ? u : u.format();
}

/** Adds transport=tcp to a SIP URI (replacing any transport parameter). */
export function withTcp(uri: string): string {
  const u = SipUri.parse(uri);
  const params = u.params.filter((p) => p.name !== "transport");
  return u.with({ params: [...params, { name: "transport", value: "tcp" }] }).format();
}

/** Splits text into parts of at most `max` UTF-8 bytes, preferring to cut after whitespace. */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (Buffer.byteLength(rest, "utf8") > max) {
    let cut = 0;
    let bytes = 0;
    let lastSpace = -1;
    for (const ch of rest) {
      const n = Buffer.byteLength(ch, "utf8");
      if (bytes + n > max) break;
      bytes += n;
      cut += ch.length;
      if (/\s/.test(ch)) lastSpace = cut;
    }
    const at = lastSpace > cut / 2 ? lastSpace : cut;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

export async function sendSipMessage(
  ctx: ImContext,
  m: ChatMessage,
  from: SipUri | string,
  to: SipUri | string,
  opts: { forceCpim?: boolean } = {},
): Promise<FinalResponse> {
  const fromUri = uriText(from);
  const toUri = uriText(to);
  const cpim = opts.forceCpim === true || ctx.settings.cpim;
  const encoded = chatMessageToSip(m, { cpim, from: fromUri, to: toUri, newId: () => ctx.newId() });
  if (!encoded) return NOTHING_SENT;

  const size = Buffer.byteLength(encoded.body, "utf8") + HEADER_ALLOWANCE;
  if (size > UDP_MESSAGE_LIMIT && ctx.settings.largeMessage === "split" && m.body) {
    const overhead = Buffer.byteLength(encoded.body, "utf8") - Buffer.byteLength(m.body, "utf8");
    const room = Math.max(200, UDP_MESSAGE_LIMIT - HEADER_ALLOWANCE - overhead);
    const parts = splitText(m.body, room);
    let last: FinalResponse = NOTHING_SENT;
    for (const [i, part] of parts.entries()) {
      const isLast = i === parts.length - 1;
      const piece: ChatMessage = {
        ...m,
        id: isLast ? m.id : `${m.id}-part${i + 1}`,
        body: part,
        html: undefined,
        wantsDelivered: isLast && m.wantsDelivered,
        wantsDisplayed: isLast && m.wantsDisplayed,
      };
      const e = chatMessageToSip(piece, { cpim, from: fromUri, to: toUri, newId: () => ctx.newId() });
      if (!e) continue;
      last = await send(ctx, fromUri, toUri, e, false);
      if (last.status >= 300) return last;
    }
    return last;
  }
  return send(ctx, fromUri, toUri, encoded, size > UDP_MESSAGE_LIMIT);
}

async function send(
  ctx: ImContext,
  from: string,
  to: string,
  encoded: { contentType: string; body: string },
  tcp: boolean,
): Promise<FinalResponse> {
  const proxy = ctx.settings.outboundProxy;
  const uri = tcp && !proxy ? withTcp(to) : to;
  return ctx.sip.request({
    method: "MESSAGE",
    uri,
    proxy: proxy ? (tcp ? withTcp(proxy) : proxy) : undefined,
    headers: {
      From: `<${from}>`,
      To: `<${to}>`,
      "Content-Type": encoded.contentType,
    },
    body: encoded.body,
  });
}
