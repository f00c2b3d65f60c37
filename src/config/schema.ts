/**
 * The gateway's configuration, declared once. Every key has `doc`, `format`, `default` and `env`;
 * `docs/configuration.md` and `config/gateway.example.yaml` are checked against this schema by
 * `test/unit/config/*.test.ts`, so a key added here without documentation fails the tests.
 *
 * Keys whose default is `null` are required: the minimal configuration is the XMPP server address,
 * the component domain and secret, the drachtio address and secret, the rtpengine address and the
 * SIP domain(s).
 */
import { isIP } from "node:net";

/** A DNS name as RFC 1123 allows it (letters, digits, hyphens, dots), or an IP address. */
const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

function describe(value: unknown): string {
  return value === null || value === undefined ? "it is missing" : `got ${JSON.stringify(value)}`;
}

function checkHost(value: unknown): void {
  if (typeof value !== "string" || (!HOSTNAME.test(value) && isIP(value) === 0)) {
    throw new Error(`must be a host name or IP address (${describe(value)})`);
  }
}

function checkDomain(value: unknown): void {
  if (typeof value !== "string" || !HOSTNAME.test(value) || isIP(value) !== 0) {
    throw new Error(`must be a domain name such as sip.example.com (${describe(value)})`);
  }
}

function checkDomainList(value: unknown, min: number): void {
  if (!Array.isArray(value) || value.length < min) {
    const what = min > 0 ? "at least one domain" : "domains";
    throw new Error(`must be a list of ${what}, as a YAML list or comma-separated (${describe(value)})`);
  }
  for (const d of value) checkDomain(d);
}

/** Comma-separated lists in environment variables become arrays. */
function splitList(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function durationMs(min: number, max: number) {
  return (value: unknown): void => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`must be a whole number of milliseconds from ${min} to ${max} (${describe(value)})`);
    }
  };
}

function wholeSeconds(min: number, max: number) {
  return (value: unknown): void => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`must be a whole number of seconds from ${min} to ${max} (${describe(value)})`);
    }
  };
}

function nonEmptyString(value: unknown): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new Error(`must be a non-empty text (${describe(value)})`);
  }
}

/** An IPv4/IPv6 address, or a CIDR block of either (`10.0.0.0/8`, `2001:db8::/32`). */
function checkAddressOrCidr(v: unknown): void {
  if (typeof v !== "string") throw new Error(`must be an IP address or CIDR block (${describe(v)})`);
  const [addr, bits, extra] = v.split("/");
  const family = isIP(addr ?? "");
  const max = family === 4 ? 32 : 128;
  const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
  if (family === 0 || !okBits || extra !== undefined) {
    throw new Error(
      `must list IP addresses or CIDR blocks such as 192.0.2.10 or 10.0.0.0/8 (got ${JSON.stringify(v)})`,
    );
  }
}

/** Named formats, registered with convict by `load-config.ts` (named so that env strings are coerced). */
export const formats = {
  host: { validate: checkHost },
  domain: { validate: checkDomain },
  "domain-list": { validate: (v: unknown) => checkDomainList(v, 0), coerce: splitList },
  "nonempty-domain-list": { validate: (v: unknown) => checkDomainList(v, 1), coerce: splitList },
  "address-list": {
    validate: (v: unknown) => {
      if (!Array.isArray(v))
        throw new Error(`must be a list of IP addresses or CIDR blocks (${describe(v)})`);
      for (const a of v) checkAddressOrCidr(a);
    },
    coerce: splitList,
  },
  secret: {
    validate: (value: unknown) => {
      if (typeof value !== "string" || value.length === 0) {
        throw new Error(`must be a non-empty string (${value === "" ? "it is empty" : describe(value)})`);
      }
    },
  },
  "sip-uri-or-empty": {
    validate: (value: unknown) => {
      if (value === "") return;
      if (typeof value !== "string" || !/^sips?:[^\s]+$/i.test(value)) {
        throw new Error(`must be empty or a SIP URI such as sip:proxy.example.com;lr (${describe(value)})`);
      }
    },
  },
};

export const schema = {
  xmpp: {
    host: {
      doc: "Host name or IP address of the XMPP server's component listener (XEP-0114).",
      format: "host",
      default: null as string | null,
      env: "GATEWAY_XMPP_HOST",
    },
    port: {
      doc: "TCP port of the XMPP server's component listener (Prosody and ejabberd use 5347 by convention).",
      format: "port",
      default: 5347,
      env: "GATEWAY_XMPP_PORT",
    },
    domain: {
      doc: "The component's domain. JIDs at this domain stand for SIP users; to be transparent, make it the SIP domain itself (bob@sip.example.com is sip:bob@sip.example.com).",
      format: "domain",
      default: null as string | null,
      env: "GATEWAY_XMPP_DOMAIN",
    },
    secret: {
      doc: "The component secret shared with the XMPP server (component_secret in Prosody, password in ejabberd's ejabberd_service).",
      format: "secret",
      default: null as string | null,
      env: "GATEWAY_XMPP_SECRET",
      sensitive: true,
    },
    userDomains: {
      doc: "XMPP domains whose users SIP phones may reach (sip:alice@<domain> is alice@<domain>). Empty: any domain that is neither a SIP domain nor the component domain.",
      format: "domain-list",
      default: [] as string[],
      env: "GATEWAY_XMPP_USER_DOMAINS",
    },
    reconnectDelay: {
      doc: "First delay before reconnecting to the XMPP server after the link drops, in milliseconds; it doubles after each failed attempt up to reconnectMaxDelay.",
      format: durationMs(50, 60_000),
      default: 500,
      env: "GATEWAY_XMPP_RECONNECT_DELAY",
    },
    reconnectMaxDelay: {
      doc: "Longest delay between two reconnection attempts to the XMPP server, in milliseconds.",
      format: durationMs(100, 600_000),
      default: 15_000,
      env: "GATEWAY_XMPP_RECONNECT_MAX_DELAY",
    },
  },
  sip: {
    domains: {
      doc: "The SIP domains the gateway serves. The component domain (or else the first of these) is the home domain: its users appear in XMPP as user@<component domain>; users of the others and of foreign domains are XEP-0106 escaped (bob\\40other.org@<component domain>).",
      format: "nonempty-domain-list",
      default: null as string[] | null,
      env: "GATEWAY_SIP_DOMAINS",
    },
    drachtio: {
      host: {
        doc: "Host name or IP address of drachtio-server's admin (control) port.",
        format: "host",
        default: null as string | null,
        env: "GATEWAY_DRACHTIO_HOST",
      },
      port: {
        doc: "TCP port of drachtio-server's admin port.",
        format: "port",
        default: 9022,
        env: "GATEWAY_DRACHTIO_PORT",
      },
      secret: {
        doc: "drachtio-server's admin secret (its <secret> element).",
        format: "secret",
        default: null as string | null,
        env: "GATEWAY_DRACHTIO_SECRET",
        sensitive: true,
      },
      reconnectMaxDelay: {
        doc: "Longest delay between two reconnection attempts to drachtio-server, in milliseconds (drachtio-srf starts at 255 ms and backs off by 1.7).",
        format: durationMs(100, 600_000),
        default: 5_000,
        env: "GATEWAY_DRACHTIO_RECONNECT_MAX_DELAY",
      },
    },
    trustedSources: {
      doc: "Addresses (or CIDR blocks) of the SIP proxies allowed to send requests to the gateway. Requests from anywhere else get 403 (OPTIONS excepted). Empty refuses every request: list your proxy.",
      format: "address-list",
      default: [] as string[],
      env: "GATEWAY_SIP_TRUSTED_SOURCES",
    },
    outboundProxy: {
      doc: "SIP URI of the outbound proxy for requests the gateway originates; empty sends them by the Request-URI.",
      format: "sip-uri-or-empty",
      default: "",
      env: "GATEWAY_SIP_OUTBOUND_PROXY",
    },
  },
  media: {
    rtpengine: {
      host: {
        doc: "Host name or IP address of rtpengine's ng control port.",
        format: "host",
        default: null as string | null,
        env: "GATEWAY_RTPENGINE_HOST",
      },
      port: {
        doc: "UDP port of rtpengine's ng control port (its listen-ng).",
        format: "port",
        default: 22222,
        env: "GATEWAY_RTPENGINE_PORT",
      },
      timeout: {
        doc: "How long to wait for an answer from rtpengine before a command fails, in milliseconds.",
        format: durationMs(100, 30_000),
        default: 1_500,
        env: "GATEWAY_RTPENGINE_TIMEOUT",
      },
      pingInterval: {
        doc: "How often to ping rtpengine to keep the media health current, in milliseconds.",
        format: durationMs(500, 600_000),
        default: 5_000,
        env: "GATEWAY_RTPENGINE_PING_INTERVAL",
      },
    },
  },
  im: {
    cpim: {
      doc: "Wrap outgoing SIP MESSAGE bodies in message/cpim (RFC 3862), which carries the message id and thread; IMDN notifications are always in CPIM.",
      format: Boolean,
      default: false,
      env: "GATEWAY_IM_CPIM",
    },
    maxMessageSize: {
      doc: "Largest message body the gateway carries, in bytes (UTF-8); larger ones get 413 (SIP) or policy-violation (XMPP).",
      format: "nat",
      default: 65536,
      env: "GATEWAY_IM_MAX_MESSAGE_SIZE",
    },
    largeMessage: {
      doc: "How a MESSAGE too large for UDP (over 1300 bytes, RFC 3428 section 7) is sent: tcp (one MESSAGE over TCP, the Request-URI or proxy gets transport=tcp) or split (several MESSAGEs over the usual transport, in order).",
      format: ["tcp", "split"],
      default: "tcp",
      env: "GATEWAY_IM_LARGE_MESSAGE",
    },
    rateLimit: {
      doc: "Messages per second one sender may send through the gateway (each direction, averaged); above it, 503 with Retry-After (SIP) or resource-constraint (XMPP). 0 disables the limit.",
      format: "nat",
      default: 20,
      env: "GATEWAY_IM_RATE_LIMIT",
    },
    rateBurst: {
      doc: "How many messages one sender may send at once before rateLimit applies.",
      format: "nat",
      default: 40,
      env: "GATEWAY_IM_RATE_BURST",
    },
    trackFor: {
      doc: "How long the gateway remembers a message that asked for a receipt or IMDN, to route the receipt or IMDN back to its sender, in milliseconds. Other messages are remembered for 60 s, to report an XMPP bounce to their SIP sender.",
      format: durationMs(1_000, 86_400_000),
      default: 600_000,
      env: "GATEWAY_IM_TRACK_FOR",
    },
  },
  calls: {
    ringTimeout: {
      doc: "How long a call may ring before the gateway gives up, in milliseconds: an XMPP user's devices ringing for a SIP caller (who then gets 480 Temporarily Unavailable), or a SIP phone ringing for an XMPP caller (the INVITE is cancelled and the caller gets <timeout/>).",
      format: durationMs(5_000, 600_000),
      default: 60_000,
      env: "GATEWAY_CALLS_RING_TIMEOUT",
    },
    iqTimeout: {
      doc: "How long to wait for an XMPP client's answer to the gateway's Jingle and disco iqs during a call, in milliseconds.",
      format: durationMs(1_000, 120_000),
      default: 10_000,
      env: "GATEWAY_CALLS_IQ_TIMEOUT",
    },
  },
  presence: {
    database: {
      doc: 'SQLite file that keeps presence subscriptions, authorizations and last known presence across restarts (created if missing; its directory must exist and be writable). ":memory:" keeps them in memory only: nothing survives a restart.',
      format: nonEmptyString,
      default: "data/presence.sqlite",
      env: "GATEWAY_PRESENCE_DATABASE",
    },
    expires: {
      doc: "Subscription duration the gateway asks for in the SUBSCRIBEs it sends for XMPP users, in seconds (RFC 3856 section 6.4 suggests 3600); refreshed before it runs out.",
      format: wholeSeconds(60, 86_400),
      default: 3600,
      env: "GATEWAY_PRESENCE_EXPIRES",
    },
    minExpires: {
      doc: "Shortest subscription the gateway grants to SIP watchers, in seconds; a shorter non-zero Expires gets 423 with Min-Expires (RFC 6665 section 4.2.1.1).",
      format: wholeSeconds(1, 86_400),
      default: 60,
      env: "GATEWAY_PRESENCE_MIN_EXPIRES",
    },
    maxExpires: {
      doc: "Longest subscription the gateway grants to SIP watchers, in seconds; a longer Expires is shortened to it in the 2xx (RFC 6665 section 4.2.1.1). Also the duration given when a SUBSCRIBE has no Expires.",
      format: wholeSeconds(60, 86_400),
      default: 3600,
      env: "GATEWAY_PRESENCE_MAX_EXPIRES",
    },
  },
  health: {
    port: {
      doc: "TCP port of the HTTP health endpoint (GET /health: 200 when every link is up, 503 otherwise, JSON body). 0 disables it.",
      format: "port",
      default: 0,
      env: "GATEWAY_HEALTH_PORT",
    },
    host: {
      doc: "Address the health endpoint listens on.",
      format: "host",
      default: "127.0.0.1",
      env: "GATEWAY_HEALTH_HOST",
    },
  },
  log: {
    level: {
      doc: "Lowest level written to the log.",
      format: ["error", "warn", "info", "debug"],
      default: "info",
      env: "GATEWAY_LOG_LEVEL",
    },
    format: {
      doc: "Log format: json (one object per line), text (for people), or auto (text on a terminal, json otherwise).",
      format: ["auto", "json", "text"],
      default: "auto",
      env: "GATEWAY_LOG_FORMAT",
    },
  },
  shutdownTimeout: {
    doc: "On SIGTERM or SIGINT, how long to let work in flight finish before the connections are closed, in milliseconds.",
    format: durationMs(0, 600_000),
    default: 10_000,
    env: "GATEWAY_SHUTDOWN_TIMEOUT",
  },
};
