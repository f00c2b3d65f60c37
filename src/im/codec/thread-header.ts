/**
 * The gateway's CPIM header for the XMPP <thread/>: `xmpp.thread`, with `NS: xmpp <jabber:client>`.
 *
 * No standard CPIM header carries a conversation thread, and the model carries the thread "in SIP as a
 * CPIM header when CPIM is used" (chat-message.ts), so the gateway defines one in a namespace it can name without
 * inventing a URN: `jabber:client` is the namespace of XMPP's <thread/> element itself. A SIP peer that
 * does not know it can ignore it: RFC 3862's `Require` header exists to name the headers a recipient
 * must understand, and the gateway never lists this one there.
 *
 * The value is percent-encoded UTF-8 (`encodeURIComponent`), so no thread can break the header line
 * or add a header (XMPP threads are arbitrary strings). Decoding is lenient: a value that is not valid
 * percent-encoding is taken as written.
 */
import { CPIM_XMPP_NS } from "./namespaces.js";
import { xmlSafeText } from "./xml-safe-text.js";

export const THREAD_HEADER = { prefix: "xmpp", ns: CPIM_XMPP_NS, name: "thread" } as const;

export function encodeThreadHeader(thread: string): string {
  return encodeURIComponent(xmlSafeText(thread));
}

export function decodeThreadHeader(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  try {
    return xmlSafeText(decodeURIComponent(value));
  } catch {
    return xmlSafeText(value);
  }
}
