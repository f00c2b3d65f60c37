/**
 * OPTIONS, which SIP proxies send as a health check (Kamailio's dispatcher, OpenSIPS' load
 * balancer). RFC 3261 section 11.2: the response "SHOULD" carry Allow, Accept, Accept-Encoding,
 * Accept-Language and Supported, and "the response code chosen MUST be the same that would have
 * been chosen had the request been an INVITE". So while the XMPP link is down the gateway answers
 * 503 with Retry-After, exactly as it would answer any other request then, and a proxy stops routing
 * to it until the link is back; when every link the requests need is up, 200.
 */
import type { Health } from "../health/health.js";
import type { SipLink, SipRequest, SipResponse } from "./sip-link.js";

export function optionsHandler(link: SipLink, health: Health) {
  return (_req: SipRequest, res: SipResponse): void => {
    if (!health.isUp("xmpp")) {
      res.send(503, "Service Unavailable", { headers: { "Retry-After": "5" } });
      return;
    }
    res.send(200, {
      headers: {
        Allow: link.allow.join(", "),
        "Accept-Encoding": "identity",
        "Accept-Language": "en",
      },
    });
  };
}
