/**
 * The common interface of the XMPP servers of the end-to-end test bench (Prosody and ejabberd).
 */

export interface XmppServerOptions {
  /** Virtual host of the users, default "xmpp.test". */
  domain?: string;
  /** XEP-0114 component domain, default "sip.xmpp.test". */
  componentDomain?: string;
  /** XEP-0114 component secret, default "secret". */
  componentSecret?: string;
  /** Users registered right after the first start. */
  users?: Array<{ user: string; password: string }>;
}

export interface XmppServer {
  kind: "prosody" | "ejabberd";
  host: "127.0.0.1";
  /** Plain-text (no TLS) client port; PLAIN authentication is allowed on it. */
  c2sPort: number;
  /** XEP-0114 component port. */
  componentPort: number;
  domain: string;
  componentDomain: string;
  componentSecret: string;
  /** Registers a user (or sets the password of an existing one). */
  registerUser(user: string, password: string): Promise<void>;
  /** Stops the server and removes its directory (unless KEEP_TEST_DIRS=1). Safe to call twice. */
  stop(): Promise<void>;
  /** stop and start again on the same ports and data */
  restart(): Promise<void>;
  /** The server's private temporary directory (config, data, logs). */
  dir: string;
}

export interface ResolvedXmppServerOptions {
  domain: string;
  componentDomain: string;
  componentSecret: string;
  users: Array<{ user: string; password: string }>;
}

export function resolveXmppServerOptions(opts: XmppServerOptions = {}): ResolvedXmppServerOptions {
  return {
    domain: opts.domain ?? "xmpp.test",
    componentDomain: opts.componentDomain ?? "sip.xmpp.test",
    componentSecret: opts.componentSecret ?? "secret",
    users: opts.users ?? [],
  };
}
