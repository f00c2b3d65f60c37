/**
 * In-memory stand-ins for drachtio-srf's request and response objects, for driving SIP handlers
 * without drachtio (bridge unit tests, the in-process presence benchmark).
 */
import type { SipRequest, SipResponse } from "../../src/sip/sip-link.js";

export function fakeRequest(
  method: string,
  uri: string,
  headers: Record<string, string>,
  body = "",
): SipRequest {
  const h = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method,
    uri,
    body,
    get: (n: string) => h.get(n.toLowerCase()) ?? "",
    has: (n: string) => h.has(n.toLowerCase()),
  } as unknown as SipRequest;
}

export interface SentResponse {
  status: number;
  headers: Record<string, string>;
}

/**
 * A response that records what was sent; `send`'s callback (as drachtio-srf's, with the response as
 * sent) gets a To header carrying `toTag()`.
 */
export function fakeResponse(toTag: () => string = () => "gwtag"): {
  res: SipResponse;
  sent: SentResponse[];
} {
  const sent: SentResponse[] = [];
  const res = {
    finalResponseSent: false,
    send(status: number, ...rest: unknown[]) {
      const opts = rest.find((x) => typeof x === "object" && x !== null) as
        { headers?: Record<string, string> } | undefined;
      sent.push({ status, headers: opts?.headers ?? {} });
      res.finalResponseSent = status >= 200;
      const callback = rest.find((x) => typeof x === "function") as
        ((e: unknown, m: { get(h: string): string }) => void) | undefined;
      callback?.(null, {
        get: (n: string) => (n === "To" ? `<sip:alice@xmpp.example.com>;tag=${toTag()}` : ""),
      });
    },
  };
  return { res: res as unknown as SipResponse, sent };
}
