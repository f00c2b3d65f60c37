/**
 * The composition root: the only place that knows which doors (XMPP, SIP, media) and which bridges
 * exist, builds them from the configuration and wires them together. Everything else receives what
 * it needs.
 *
 * Lifecycle: start() opens the three links (each reconnects by itself); stop() stops taking new
 * work, lets work in flight finish for up to `shutdownTimeout`, then closes the links.
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { AddressMapper } from "./address/address-mapper.js";
import type { GatewayConfig } from "./config/load-config.js";
import { Health } from "./health/health.js";
import type { FromSip, FromXmpp, ImContext } from "./im/im-ports.js";
import { RateLimiter } from "./im/rate-limiter.js";
import { SipToXmpp } from "./im/sip-to-xmpp.js";
import { TrackedMessages } from "./im/tracked-messages.js";
import { XmppToSip } from "./im/xmpp-to-sip.js";
import { startHealthServer } from "./health/health-server.js";
import { moduleLogger } from "./log/logger.js";
import { MediaLink } from "./media/media-link.js";
import { PresenceBridge } from "./presence/presence-bridge.js";
import { MemoryPresenceStore, type PresenceStore } from "./presence/store/presence-store.js";
import { SqlitePresenceStore } from "./presence/store/sqlite-store.js";
import { optionsHandler } from "./sip/options-handler.js";
import { CALL_FEATURES, CallBridge } from "./call/call-bridge.js";
import { NS_JINGLE } from "./call/namespaces.js";
import { incomingInvite, SipCalls } from "./sip/sip-calls.js";
import { capsElement } from "./xmpp/caps.js";
import { sipUserInfo } from "./xmpp/disco.js";
import { SipLink } from "./sip/sip-link.js";
import { TrustedSources } from "./sip/trusted-sources.js";
import { ComponentLink } from "./xmpp/component-link.js";
import { registerServiceHandlers } from "./xmpp/service-handlers.js";
import { PRODUCT_NAME, PRODUCT_VERSION } from "./version.js";

export class Gateway {
  readonly health = new Health();
  readonly addresses: AddressMapper;
  readonly xmpp: ComponentLink;
  readonly sip: SipLink;
  readonly media: MediaLink;
  readonly presence: PresenceBridge;
  readonly calls: CallBridge;
  private healthServer: Server | undefined;
  private readonly log = moduleLogger("gateway");

  constructor(readonly config: GatewayConfig) {
    this.addresses = new AddressMapper({
      componentDomain: config.xmpp.domain,
      sipDomains: config.sip.domains,
      xmppDomains: config.xmpp.userDomains,
    });
    this.xmpp = new ComponentLink(config.xmpp, this.health, moduleLogger("xmpp"));
    this.sip = new SipLink(
      config.sip.drachtio,
      this.health,
      moduleLogger("sip"),
      new TrustedSources(config.sip.trustedSources),
    );
    this.media = new MediaLink(config.media.rtpengine, this.health, moduleLogger("media"));

    registerServiceHandlers(this.xmpp, {
      name: PRODUCT_NAME,
      version: PRODUCT_VERSION,
      checkSipUser: (jid) => void this.addresses.jidToSipUser(jid),
      userFeatures: () => CALL_FEATURES,
    });
    this.sip.handle("OPTIONS", optionsHandler(this.sip, this.health));

    const im: ImContext = {
      xmpp: this.xmpp,
      sip: this.sip,
      addresses: this.addresses,
      settings: { ...config.im, outboundProxy: config.sip.outboundProxy },
      limiter: new RateLimiter(config.im.rateLimit, config.im.rateBurst),
      fromSip: new TrackedMessages<FromSip>(config.im.trackFor),
      fromXmpp: new TrackedMessages<FromXmpp>(config.im.trackFor),
      log: moduleLogger("im"),
      newId: () => randomUUID(),
    };
    const callLog = moduleLogger("call");
    this.calls = new CallBridge({
      xmpp: this.xmpp,
      sip: new SipCalls(this.sip, callLog),
      media: this.media,
      addresses: this.addresses,
      settings: { ...config.calls, outboundProxy: config.sip.outboundProxy },
      log: callLog,
      newId: () => randomUUID(),
    });
    // Before the IM bridge: XEP-0353 messages have no body and belong to calls.
    this.xmpp.onStanza(this.calls.handleStanza);
    this.xmpp.onIq("set", NS_JINGLE, "jingle", this.calls.handleJingle);
    this.sip.handle("INVITE", (req, res) =>
      this.calls.handleInvite(incomingInvite(this.sip.srf, req, res, callLog)),
    );

    this.xmpp.onStanza(new XmppToSip(im).handle);
    this.sip.handle("MESSAGE", new SipToXmpp(im).handle);

    const db = config.presence.database;
    const store: PresenceStore = db === ":memory:" ? new MemoryPresenceStore() : new SqlitePresenceStore(db);
    this.presence = new PresenceBridge({
      xmpp: this.xmpp,
      sip: this.sip,
      addresses: this.addresses,
      store,
      settings: {
        expires: config.presence.expires,
        minExpires: config.presence.minExpires,
        maxExpires: config.presence.maxExpires,
        outboundProxy: config.sip.outboundProxy,
      },
      log: moduleLogger("presence"),
      now: () => Date.now(),
      newToken: () => randomUUID().replaceAll("-", ""),
      caps: () => capsElement(sipUserInfo(CALL_FEATURES)),
    });
    this.xmpp.onStanza(this.presence.handleStanza);
    this.sip.handle("SUBSCRIBE", this.presence.handleSubscribe);
    this.sip.handle("NOTIFY", this.presence.handleNotify);
  }

  async start(): Promise<void> {
    const c = this.config;
    this.log.info("starting", {
      version: PRODUCT_VERSION,
      componentDomain: c.xmpp.domain,
      sipDomains: c.sip.domains,
      xmppServer: `${c.xmpp.host}:${c.xmpp.port}`,
      drachtio: `${c.sip.drachtio.host}:${c.sip.drachtio.port}`,
      rtpengine: `${c.media.rtpengine.host}:${c.media.rtpengine.port}`,
    });
    this.health.on("change", (link, state) => this.log.debug("health", { link, ...state }));
    if (c.health.port > 0) {
      this.healthServer = await startHealthServer(this.health, c.health.host, c.health.port);
      this.log.info("health endpoint listening", { url: `http://${c.health.host}:${c.health.port}/health` });
    }
    await this.presence.start();
    this.xmpp.start();
    this.sip.start();
    await this.media.start();
  }

  /** Graceful stop: no new work, in-flight work finishes (bounded), then the links close. */
  async stop(): Promise<void> {
    const timeout = this.config.shutdownTimeout;
    this.log.info("stopping: no new requests; letting work in flight finish", { timeoutMs: timeout });
    const [sipDrained, xmppDrained] = await Promise.all([this.sip.drain(timeout), this.xmpp.drain(timeout)]);
    if (!sipDrained) this.log.warn("shutdown timeout reached with SIP requests still in flight");
    if (!xmppDrained) this.log.warn("shutdown timeout reached with XMPP messages still in flight");
    await this.calls.stop();
    await this.xmpp.stop();
    this.sip.stop();
    this.media.stop();
    this.presence.stop();
    await new Promise<void>((resolve) =>
      this.healthServer ? this.healthServer.close(() => resolve()) : resolve(),
    );
    this.log.info("stopped");
  }
}
